namespace Runa.Kernel;

/// <summary>
/// Base of all actors. Instances are created only by the kernel, from <see cref="Props"/>:
/// <c>new</c> outside a props factory throws <see cref="ActorInitializationException"/>.
/// </summary>
public abstract partial class ActorBase
{
    /// <summary>Cached result of <see cref="SupervisorStrategy()"/>.</summary>
    private SupervisorStrategy? _supervisorStrategy;

    /// <summary>Attaches the instance to the cell that is creating it.</summary>
    protected ActorBase()
    {
        ActorCell cell = ActorCell.TakeConstructing()
            ?? throw new ActorInitializationException(
                $"Actor {GetType().Name} was created with 'new' outside a Props factory; create actors with ActorOf(Props).");
        Cell = cell;
        cell.InitBehavior(Receive);
        if (this is IWithUnboundedStash withStash)
        {
            withStash.Stash = cell.GetStash();
        }

        if (this is IWithTimers withTimers)
        {
            withTimers.Timers = cell.GetTimers();
        }
    }

    /// <summary>The cell hosting this instance.</summary>
    internal ActorCell Cell { get; }

    /// <summary>This actor's ref (valid from any thread).</summary>
    protected IActorRef Self => Cell.Self;

    /// <summary>The sender of the current message; dead letters if none. Read it before the handler returns (or in its awaited continuations).</summary>
    protected IActorRef Sender => Cell.Sender;

    /// <summary>
    /// The context of the actor running on this thread. Valid only while an actor processes a
    /// message, runs a lifecycle hook or an async handler's continuation; throws otherwise.
    /// </summary>
    protected static IActorContext Context
    {
        get
        {
            ActorCell? cell = ActorCell.Current;
            if (cell is null)
            {
                ThrowHelper.ThrowNoContext();
            }

            return cell;
        }
    }

    /// <summary>The initial behaviour: return true if the message was handled.</summary>
    protected abstract bool Receive(object message);

    /// <summary>
    /// Called for messages no behaviour handled. An unhandled <see cref="Terminated"/> throws
    /// <see cref="DeathPactException"/>; anything else is published as <see cref="UnhandledMessage"/>.
    /// </summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
        {
            throw new DeathPactException(terminated.ActorRef);
        }

        Cell.System.EventStream.Publish(new UnhandledMessage(message, Cell.SenderOrNull, Cell.Self));
    }

    /// <summary>Replaces the current behaviour.</summary>
    protected void Become(Receive receive) => Cell.Become(receive);

    /// <summary>Pushes a behaviour.</summary>
    protected void BecomeStacked(Receive receive) => Cell.BecomeStacked(receive);

    /// <summary>Pops the last pushed behaviour.</summary>
    protected void UnbecomeStacked() => Cell.UnbecomeStacked();

    /// <summary>Sets (or with null clears) the receive timeout.</summary>
    protected void SetReceiveTimeout(TimeSpan? timeout) => Cell.SetReceiveTimeout(timeout);

    /// <summary>The strategy that supervises this actor's children. Default: <see cref="Kernel.SupervisorStrategy.DefaultStrategy"/>.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Kernel.SupervisorStrategy.DefaultStrategy;

    /// <summary>The strategy, computed once per instance.</summary>
    internal SupervisorStrategy SupervisorStrategyInternal => _supervisorStrategy ??= SupervisorStrategy();

    /// <summary>Lets the cell call <see cref="Unhandled"/>.</summary>
    internal void InvokeUnhandled(object message) => Unhandled(message);

    /// <summary>Called by the cell once the constructor returned.</summary>
    internal virtual void OnConstructed()
    {
    }
}
