using Runa.Kernel.Internal;

namespace Runa.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>Why the cell waits for children to finish stopping.</summary>
    private enum ChildrenWaitReason
    {
        /// <summary>Not waiting.</summary>
        None,

        /// <summary>This actor is stopping: finish when no child is left.</summary>
        Termination,

        /// <summary>This actor restarts: finish when the children stopped by PreRestart are gone.</summary>
        Recreation,

        /// <summary>A failed creation is retried: finish when the children of the failed attempt are gone.</summary>
        Creation,
    }

    /// <summary>Nesting count of suspensions (failure, supervisor, parent failure); user messages wait while &gt; 0.</summary>
    private int _suspendCount;

    /// <summary>True from a failure until the supervisor's directive is applied.</summary>
    private bool _failed;

    /// <summary>The child whose escalated failure made this actor fail (it was not suspended again).</summary>
    private IActorRef? _failedPerpetrator;

    /// <summary>The message being processed when the actor failed, for PreRestart.</summary>
    private object? _failedMessage;

    /// <summary>True once stopping began; written under <see cref="_childrenLock"/> so no child can be added after.</summary>
    private volatile bool _terminating;

    /// <summary>What the cell waits for while children stop.</summary>
    private ChildrenWaitReason _childrenWaitReason;

    /// <summary>The failure of a restart that waits for children.</summary>
    private Exception? _recreateCause;

    /// <summary>Incremented on each restart; async continuations of older incarnations are dropped.</summary>
    private int _incarnation;

    /// <summary>The strategy that supervises this actor's children.</summary>
    private SupervisorStrategy EffectiveSupervisorStrategy
        => _props.SupervisorStrategy ?? _actor?.SupervisorStrategyInternal ?? SupervisorStrategy.DefaultStrategy;

    /// <summary>Creates the instance and runs PreStart; a failure becomes <see cref="ActorInitializationException"/>.</summary>
    private void HandleCreate()
    {
        try
        {
            _actor = NewActor();
            _actor.AroundPreStart();
        }
        catch (Exception e)
        {
            _actor = null;
            HandleInvokeFailure(new ActorInitializationException(_self, "Exception during creation: " + e.Message, e));
            return;
        }

        RescheduleReceiveTimeout();
    }

    /// <summary>
    /// This actor failed (a handler, a hook or an escalated child failure threw): suspend it and its
    /// children and ask the parent what to do. The failing message is dropped.
    /// </summary>
    private void HandleInvokeFailure(Exception cause, IActorRef? perpetrator = null)
    {
        if (_terminating)
        {
            Log(LogLevel.Error, cause, "Actor failed while stopping; the failure is ignored");
            return;
        }

        if (_failed)
        {
            Log(LogLevel.Error, cause, "Actor failed again while waiting for its supervisor's decision");
            return;
        }

        _failed = true;
        _failedPerpetrator = perpetrator;
        _failedMessage = _currentMessage;
        _awaitingTask = false;
        _suspendCount++;
        foreach (IActorRef child in Children)
        {
            if (!child.Equals(perpetrator))
            {
                AsInternal(child).SendSystemMessage(new Suspend());
            }
        }

        _parent.SendSystemMessage(new Failed(_self, cause, _self.Uid));
    }

    /// <summary>A child failed: apply this actor's supervisor strategy (or fail ourselves on Escalate).</summary>
    private void HandleFailed(Failed failed)
    {
        if (_terminating)
        {
            return; // every child is being stopped anyway
        }

        ChildRestartStats? stats = FindChild(failed.Child);
        if (stats is null || stats.Uid != failed.Uid || (_stoppingChildren?.Contains(failed.Child) ?? false))
        {
            return; // a previous incarnation, or a child already on its way out
        }

        if (!EffectiveSupervisorStrategy.HandleFailure(this, failed.Child, failed.Cause, stats, ChildStats()))
        {
            // Escalate: this actor fails with the child's exception; its own supervisor decides.
            _currentMessage = null;
            HandleInvokeFailure(failed.Cause, failed.Child);
        }
    }

    /// <summary>Supervisor (or a failing parent) suspends this actor and its subtree.</summary>
    private void FaultSuspend()
    {
        _suspendCount++;
        foreach (IActorRef child in Children)
        {
            AsInternal(child).SendSystemMessage(new Suspend());
        }
    }

    /// <summary>Undoes one suspension; with a cause, the supervisor chose Resume after a failure.</summary>
    private void FaultResume(Exception? causedByFailure)
    {
        if (_actor is null && causedByFailure is not null && !_terminating)
        {
            // Resuming an actor that never got an instance makes no sense: create it instead.
            FaultRecreate(causedByFailure);
            return;
        }

        if (_suspendCount > 0)
        {
            _suspendCount--;
        }

        IActorRef? perpetrator = _failedPerpetrator;
        if (causedByFailure is not null)
        {
            _failed = false;
            _failedPerpetrator = null;
            _failedMessage = null;
        }

        foreach (IActorRef child in Children)
        {
            AsInternal(child).SendSystemMessage(new Resume(child.Equals(perpetrator) ? causedByFailure : null));
        }
    }

    /// <summary>Restart: PreRestart on the old instance, wait for stopped children, then a fresh instance.</summary>
    private void FaultRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }

        _incarnation++;
        _awaitingTask = false;
        CancelReceiveTimeout();
        _timers?.CancelAll();

        ActorBase? failedActor = _actor;
        if (failedActor is null)
        {
            // The instance could not be created: stop what the failed attempt created, then create again.
            _failed = false;
            _failedPerpetrator = null;
            if (_suspendCount > 0)
            {
                _suspendCount--;
            }

            foreach (IActorRef child in Children)
            {
                Stop(child);
            }

            if (_stoppingChildren is { Count: > 0 })
            {
                _childrenWaitReason = ChildrenWaitReason.Creation;
            }
            else
            {
                HandleCreate();
            }

            return;
        }

        _stash?.UnstashAll(); // stashed messages go back to the front of the mailbox
        try
        {
            failedActor.AroundPreRestart(cause, _failedMessage);
        }
        catch (Exception e)
        {
            Log(LogLevel.Error, e, "PreRestart threw; continuing the restart");
        }

        _failedMessage = null;
        _actor = null;
        if (_stoppingChildren is { Count: > 0 })
        {
            _childrenWaitReason = ChildrenWaitReason.Recreation;
            _recreateCause = cause;
        }
        else
        {
            FinishRecreate(cause);
        }
    }

    /// <summary>Second half of a restart: new instance, PostRestart, resume, restart surviving children.</summary>
    private void FinishRecreate(Exception cause)
    {
        _childrenWaitReason = ChildrenWaitReason.None;
        _recreateCause = null;
        _failed = false;
        _failedPerpetrator = null;
        if (_suspendCount > 0)
        {
            _suspendCount--;
        }

        IReadOnlyCollection<IActorRef> survivors = Children; // before the new instance creates children of its own
        try
        {
            _actor = NewActor();
            _actor.AroundPostRestart(cause);
        }
        catch (Exception e)
        {
            _actor = null;
            HandleInvokeFailure(new ActorInitializationException(_self, "Exception during restart: " + e.Message, e));
            return;
        }

        foreach (IActorRef survivor in survivors)
        {
            AsInternal(survivor).SendSystemMessage(new Recreate(cause));
        }

        RescheduleReceiveTimeout();
    }

    /// <summary>Start stopping: no more user messages, stop all children, then <see cref="FinishTerminate"/>.</summary>
    private void BeginTerminate()
    {
        if (_terminating)
        {
            return;
        }

        IReadOnlyCollection<IActorRef> children;
        lock (_childrenLock)
        {
            _terminating = true;
            children = _children is null ? Array.Empty<IActorRef>() : _children.Values.Select(s => s.Child).ToArray();
        }

        CancelReceiveTimeout();
        _timers?.CancelAll();
        _awaitingTask = false;
        if (children.Count == 0)
        {
            FinishTerminate();
            return;
        }

        _childrenWaitReason = ChildrenWaitReason.Termination;
        foreach (IActorRef child in children)
        {
            (_stoppingChildren ??= new HashSet<IActorRef>()).Add(child);
            AsInternal(child).SendSystemMessage(new Terminate());
        }
    }

    /// <summary>All children are gone: PostStop, close the mailbox, notify watchers and parent.</summary>
    private void FinishTerminate()
    {
        _childrenWaitReason = ChildrenWaitReason.None;
        ActorBase? actor = _actor;
        try
        {
            actor?.AroundPostStop();
        }
        catch (Exception e)
        {
            Log(LogLevel.Error, e, "PostStop threw");
        }
        finally
        {
            _actor = null;
            _behaviors.Clear();
            _behavior = null;
            _stash?.DeadLetterAll();
            _system.EventStream.Unsubscribe(_self); // before anyone learns we died: no event may be sent to us after that
            Mailbox.Close();
            TellWatchersWeDied();
            UnwatchWatchedActors();
        }
    }

    /// <summary>Logs on behalf of this actor.</summary>
    private void Log(LogLevel level, Exception? cause, string message)
        => _system.PublishLog(new LogEvent(level, _self.Path.ToString(), ActorType, message, cause));
}
