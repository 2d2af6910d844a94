using Runa.Actors.Persistence;
using Runa.Kernel;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Sync;

namespace Runa.Actors.Containers;

/// <summary>
/// The lifecycle of one container (OCI states creating → created → running → stopped, and
/// paused). It recovers its record from the journal, derives the status from the kernel on
/// every command, and journals what it does. Commands for one id are serialized here; create
/// is a message-driven state machine over its children (init, sync, log, cgroup), the other
/// commands are ReceiveAsync handlers.
/// </summary>
public sealed partial class ContainerActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly string _id;
    private readonly ContainerRuntime _runtime;
    private readonly List<IActorRef> _waiters = [];
    private readonly List<IActorRef> _recoveryWaiters = [];
    private bool _passivating;
    private ContainerRecord? _record;
    private IActorRef? _cgroup;
    private IActorRef? _init;
    private IActorRef? _sync;
    private IActorRef _self = ActorRefs.Nobody;
    private string? _execError;
    private ExitStatus? _pendingExit;
    private bool _exitObserved;
    private int _initRewatches;

    public ContainerActor(string id, ContainerRuntime runtime)
    {
        _id = id;
        _runtime = runtime;
        Recovering();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private string PersistenceId => ContainerRecord.PersistenceIdOf(_id);

    private string StateDir => Path.Combine(_runtime.Settings.Root, ContainerIds.FileName(_id));

    protected override void PreStart()
    {
        _self = Self;
        LoadAsync().PipeTo(Self, success: record => new Recovered(record), failure: e => new RecoveryFailed(e));
    }

    private void Recovering()
    {
        Receive<Recovered>(m =>
        {
            _record = m.Record;
            if (_runtime.Settings.WatchExits && _record is { CreateCompleted: false } && StatusNow() == OciStatus.Stopped)
            {
                // A create its (dead) host left half done: clean it before anything else is served.
                Become(CleaningUp);
                Self.Tell(CleanAbandonedCreate.Instance);
                return;
            }
            Become(Ready);
            AfterRecovery();
            RecoveryDone();
            Stash.UnstashAll();
        });
        Receive<AwaitRecovery>(_ => _recoveryWaiters.Add(Sender));
        Receive<RecoveryFailed>(m =>
        {
            var failure = new Status.Failure(
                new ContainerException(ContainerErrorKind.Failed, $"container {_id}: cannot read its state: {m.Cause.Message}", m.Cause));
            // A host waiting for recovery must learn the cause now, not from its own timeout.
            foreach (var w in _recoveryWaiters)
            {
                w.Tell(failure);
            }
            _recoveryWaiters.Clear();
            Become(() => ReceiveAny(_ => Sender.Tell(failure)));
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<CreateContainer>(BeginCreate);
        ReceiveAsync<StartContainer>(OnStart);
        ReceiveAsync<GetContainerState>(async _ =>
        {
            var sender = Sender;
            await RefreshAsync();
            sender.Tell(View());
        });
        ReceiveAsync<KillContainer>(OnKill);
        ReceiveAsync<DeleteContainer>(OnDelete);
        Receive<WaitContainer>(OnWait);
        Receive<InitExited>(m => OnInitExited(m.Status));
        Receive<SyncPacketReceived>(OnLatePacket);
        Receive<SyncClosed>(_ =>
        {
            // The exec happened (or the init died): the socket has nothing more to say. Free it
            // now; a daemon holds many containers. The owner decides, so a create never races it.
            if (_sync is not null && !_exitObserved)
            {
                Context.Stop(_sync);
                _sync = null;
            }
        });
        Receive<SyncDrained>(_ => FinishExit());
        ReceiveAsync<JournalExit>(async m =>
        {
            await RefreshAsync();
            if (_record is { Exit: null, CreateCompleted: true })
            {
                await PersistAsync(m.Exited);
                Applied(m.Exited);
            }
        });
        Receive<AwaitRecovery>(_ => Sender.Tell(new ContainerRecovered(_id)));
        Receive<PassivateAck>(_ => OnPassivateAck());
        Receive<Stage0Exited>(_ => { });
        Receive<ChildFailed>(m => Context.GetLogger().Warning($"container {_id}: a helper actor failed and was stopped: {m.Cause.Message}"));
        ResourceCommands();
        ExecCommands();
        Receive<Terminated>(m =>
        {
            if (!Unsubscribe(m.ActorRef))
            {
                ForgetChild(m.ActorRef);
            }
        });
    }

    /// <summary>Failures of children: the log forwarder is restarted, anything else ends what is under way.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(
        maxNrOfRetries: 3, withinTimeRange: TimeSpan.FromSeconds(10), localOnlyDecider: e =>
        {
            var cause = e is ActorInitializationException { InnerException: { } inner } ? inner : e;
            if (cause is LogForwardingException)
            {
                // Logs are best effort: restart the forwarder, and past 3 failures in 10 s it is
                // stopped; the container goes on either way.
                return Directive.Restart;
            }
            _self.Tell(new ChildFailed(cause));
            return Directive.Stop;
        });

    private OciStatus StatusNow() =>
        _record is null ? OciStatus.Stopped : ContainerStatus.Derive(_record, _runtime.Processes, _runtime.Cgroups);

    private object View() => _record is null
        ? NotFound()
        : ContainerStateView.From(_record, StatusNow());

    /// <summary>The reply for a container that does not exist; an actor with nothing to hold also retires.</summary>
    private Status.Failure NotFound()
    {
        Passivate();
        return new(new ContainerException(ContainerErrorKind.NotFound, $"container {_id} does not exist"));
    }

    /// <summary>
    /// Asks the registry to retire this actor once it holds no container. The registry first stops
    /// routing to it, then answers <see cref="PassivateAck"/>: a command it had already forwarded
    /// is still handled here, and none can arrive after the ack, so none is lost (stopping outright
    /// would drop a `create` that raced a `delete` of the same id into the dead letters).
    /// </summary>
    private void Passivate()
    {
        if (!_passivating)
        {
            _passivating = true;
            Context.Parent.Tell(new Passivate(_id));
        }
    }

    // Exec children too: a deleted container's exec must report its end (and be reaped) first.
    private bool Idle => _record is null && _create is null && _waiters.Count == 0 && _subscribers.Count == 0 && _execs.Count == 0;

    private void OnPassivateAck()
    {
        _passivating = false;
        if (Idle)
        {
            Context.Stop(Self);
        }
        else
        {
            // A command forwarded before the registry let go made this actor hold a container again.
            Context.Parent.Tell(new Reregister(_id));
        }
    }

    private static Status.Failure Error(ContainerErrorKind kind, string message) => new(new ContainerException(kind, message));

    private Task PersistAsync(ContainerEvent e)
    {
        var seq = (_record?.SequenceNr ?? 0) + 1;
        return _runtime.Journal.WriteAsync([new JournalEntry(PersistenceId, seq, e.GetType().Name, e.At, ContainerRecord.Serialize(e))]);
    }

    /// <summary>Journals the end of the container (<see cref="ContainerDeleted"/>) and hides its history.</summary>
    private Task DeleteRecordAsync(string reason)
    {
        var deleted = new ContainerDeleted(reason);
        var seq = (_record?.SequenceNr ?? 0) + 1;
        return _runtime.Journal.DeleteAsync(new JournalEntry(PersistenceId, seq, nameof(ContainerDeleted), deleted.At, ContainerRecord.Serialize(deleted)));
    }

    private void Applied(ContainerEvent e)
    {
        _record = _record?.Apply(e, _record.SequenceNr + 1);
        if (_record is { } r && r.SequenceNr % _runtime.Settings.SnapshotEvery == 0)
        {
            // Best effort: a missing snapshot only means a longer replay.
            var log = Context.GetLogger();
            _runtime.Journal.SaveSnapshotAsync(r.ToSnapshot(PersistenceId)).ContinueWith(
                t => log.Warning($"container {r.Id}: snapshot failed: {t.Exception?.GetBaseException().Message}"),
                TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>The record from the newest snapshot plus the events after it; null if there is none.</summary>
    private async Task<ContainerRecord?> LoadAsync()
    {
        var snapshot = await _runtime.Journal.LoadSnapshotAsync(PersistenceId);
        var events = await _runtime.Journal.ReadAsync(PersistenceId, snapshot?.SequenceNr ?? 0);
        return ContainerRecord.Recover(snapshot, events);
    }

    /// <summary>
    /// In a long-lived host: watch a live container's init for its exit; record as stopped one that
    /// died while nobody watched; clean up a create its (dead) creator left half done.
    /// </summary>
    private void AfterRecovery()
    {
        if (!_runtime.Settings.WatchExits || _record is null)
        {
            return;
        }
        var status = StatusNow();
        if (!_record.CreateCompleted)
        {
            return; // being created by a live process elsewhere (a dead creator's is cleaned first)
        }
        if (status == OciStatus.Stopped)
        {
            if (_record.Exit is null)
            {
                // It exited while no runa watched it: the status is lost (someone else reaped it).
                Self.Tell(new JournalExit(new ContainerExited(null, null)));
            }
            return;
        }
        if (_init is null && _runtime.Processes.Attach(_record.Pid, _record.StartTime, reap: true) is { } handle)
        {
            _init = Context.ActorOf(Props.Create(() => new InitProcess(_runtime, handle)), "init");
            Context.Watch(_init);
        }
    }

    private void CleaningUp()
    {
        ReceiveAsync<CleanAbandonedCreate>(async _ =>
        {
            await CleanAbandonedCreateAsync();
            Become(Ready);
            RecoveryDone();
            Stash.UnstashAll();
        });
        Receive<AwaitRecovery>(_ => _recoveryWaiters.Add(Sender));
        ReceiveAny(_ => Stash.Stash());
    }

    private void RecoveryDone()
    {
        foreach (var w in _recoveryWaiters)
        {
            w.Tell(new ContainerRecovered(_id));
        }
        _recoveryWaiters.Clear();
    }

    /// <summary>A create whose host died midway: its runa-init exits on its own (EOF), its cgroup and state must go.</summary>
    private async Task CleanAbandonedCreateAsync()
    {
        var log = Context.GetLogger();
        log.Warning($"container {_id}: its create was interrupted (the creating process died); removing what it left");
        try
        {
            // Destroying the cgroup also kills a runa-init still inside it and waits until it is empty.
            if (CgroupActor() is { } cgroup)
            {
                await cgroup.Ask<CgroupDestroyed>(new DestroyCgroup(), _runtime.Settings.KillTimeout + TimeSpan.FromSeconds(5));
            }
            if (Directory.Exists(_record!.StateDir))
            {
                Directory.Delete(_record.StateDir, recursive: true);
            }
            await DeleteRecordAsync("its create was interrupted");
            _record = null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Error($"container {_id}: cleaning up an interrupted create: {e.Message}");
        }
    }

    /// <summary>The init exited while we watched it (a foreground run, or a daemon).</summary>
    private void OnInitExited(ExitStatus? status)
    {
        if (_exitObserved)
        {
            return;
        }
        _exitObserved = true;
        _pendingExit = status;
        if (_sync is not null)
        {
            // An exec failure arrives as an ERROR packet that may still sit in the socket: read it first.
            _sync.Tell(DrainSync.Instance);
            return;
        }
        FinishExit();
    }

    private void FinishExit()
    {
        if (!_exitObserved || _record is null)
        {
            return;
        }
        var status = _pendingExit;
        if (_record.Exit is null)
        {
            // Journaled as a command of its own: it re-reads the record first, so an exit seen
            // after another process deleted the container cannot leave a stray row behind.
            Self.Tell(new JournalExit(new ContainerExited(status?.Signal == 0 ? status?.Code : null, status is { Signal: > 0 } s ? s.Signal : null)));
        }
        if (_sync is not null)
        {
            Context.Stop(_sync);
            _sync = null;
        }
        foreach (var w in _waiters)
        {
            w.Tell(new ContainerExitedReply(_id, status, _execError));
        }
        _waiters.Clear();
    }

    /// <summary>After READY the socket only speaks if exec fails; EOF means the exec happened.</summary>
    private void OnLatePacket(SyncPacketReceived m)
    {
        if (m.Packet.Type == MessageType.Error)
        {
            var (_, errno, text) = m.Packet.Error();
            _execError = errno == 0 ? text : $"{text}: {Errno.Describe(errno)}";
        }
        m.Packet.DisposeFds();
    }

    private void OnWait(WaitContainer m)
    {
        if (_record is null)
        {
            Sender.Tell(NotFound());
            return;
        }
        if (_exitObserved)
        {
            Sender.Tell(new ContainerExitedReply(_id, _pendingExit, _execError));
            return;
        }
        if (_init is not null)
        {
            // Our InitProcess child watches the init (and reaps it, when it is our child): it will
            // report the exit even if the init is already a zombie that reads as stopped.
            _waiters.Add(Sender);
            return;
        }
        if (StatusNow() == OciStatus.Stopped)
        {
            var exit = _record.Exit;
            Sender.Tell(new ContainerExitedReply(_id,
                exit is null ? null : exit.Signal is { } sig ? ExitStatus.Killed(sig) : ExitStatus.Exited(exit.ExitCode ?? 0),
                _execError));
            return;
        }
        var handle = _runtime.Processes.Attach(_record.Pid, _record.StartTime, reap: true);
        if (handle is null)
        {
            Sender.Tell(new ContainerExitedReply(_id, null, _execError));
            return;
        }
        _waiters.Add(Sender);
        _init = Context.ActorOf(Props.Create(() => new InitProcess(_runtime, handle)), "init");
        Context.Watch(_init);
    }

    private void ForgetChild(IActorRef child)
    {
        if (ForgetExec(child))
        {
            return;
        }
        if (child.Equals(_init))
        {
            _init = null;
            if (!_exitObserved && _waiters.Count > 0)
            {
                WatchAgainForWaiters();
            }
        }
        else if (child.Equals(_sync))
        {
            _sync = null;
        }
        else if (child.Equals(_cgroup))
        {
            _cgroup = null;
        }
    }

    /// <summary>
    /// The init watcher stopped (it failed) before it saw the exit: waiters must not hang on it.
    /// Watch the init afresh if it still runs; if it is gone, its exit is unknown.
    /// </summary>
    private void WatchAgainForWaiters()
    {
        // Bounded: a watcher that fails every time must not spin; the waiters then learn nothing.
        var handle = _record is null || ++_initRewatches > 3 ? null : _runtime.Processes.Attach(_record.Pid, _record.StartTime, reap: true);
        if (handle is null)
        {
            OnInitExited(null);
            return;
        }
        _init = Context.ActorOf(Props.Create(() => new InitProcess(_runtime, handle)), "init");
        Context.Watch(_init);
    }

    /// <summary>The cgroup actor of an existing container (spawned on first use), or null without a cgroup.</summary>
    private IActorRef? CgroupActor()
    {
        if (_cgroup is null && _record is not null && CgroupManagerOf(_record) is { } manager)
        {
            _cgroup = Context.ActorOf(Props.Create(() => new CgroupManagerActor(manager)), "cgroup");
            Context.Watch(_cgroup);
        }
        return _cgroup;
    }

    /// <summary>
    /// The container's cgroup: from the state journaled at create, or — for a create that died
    /// before journaling it — from its config's cgroupsPath, if that cgroup exists.
    /// </summary>
    private ICgroupManager? CgroupManagerOf(ContainerRecord r)
    {
        if (r.Cgroup is { } state)
        {
            return _runtime.Cgroups.FromState(state);
        }
        try
        {
            var spec = Runtime.Oci.SpecLoader.Parse(System.Text.Encoding.UTF8.GetBytes(r.Config));
            var manager = _runtime.Cgroups.New(ContainerIds.FileName(_id), spec.Linux?.CgroupsPath);
            return manager.ExistsAnywhere() ? manager : null;
        }
        catch (Exception e) when (e is Runtime.Oci.SpecException or InvalidCgroupConfigException or IOException)
        {
            return null;
        }
    }

    private sealed record Recovered(ContainerRecord? Record);

    private sealed record RecoveryFailed(Exception Cause);

    private sealed record ChildFailed(Exception Cause);

    private sealed record JournalExit(ContainerExited Exited);

    private sealed record CleanAbandonedCreate
    {
        public static CleanAbandonedCreate Instance { get; } = new();
    }
}

/// <summary>Thrown by the log forwarder only: its failures restart it instead of failing the container.</summary>
public sealed class LogForwardingException(string message, Exception? inner = null) : Exception(message, inner);
