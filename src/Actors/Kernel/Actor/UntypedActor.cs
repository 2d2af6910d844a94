namespace Runa.Kernel;

/// <summary>An actor with one <see cref="OnReceive"/> method; pass what it does not handle to <see cref="ActorBase.Unhandled"/>.</summary>
public abstract class UntypedActor : ActorBase
{
    /// <summary>The context of the running actor (see <see cref="ActorBase.Context"/>).</summary>
    protected static new IUntypedActorContext Context => (IUntypedActorContext)ActorBase.Context;

    /// <inheritdoc/>
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Handles a message.</summary>
    protected abstract void OnReceive(object message);

    /// <summary>Replaces the current behaviour.</summary>
    protected void Become(UntypedReceive receive) => Cell.Become(receive);

    /// <summary>Pushes a behaviour.</summary>
    protected void BecomeStacked(UntypedReceive receive) => Cell.BecomeStacked(receive);

    /// <summary>Runs <paramref name="action"/> with the mailbox suspended until its task completes (see ReceiveAsync).</summary>
    protected void RunTask(Func<Task> action) => Cell.RunTask(action);

    /// <summary>Runs <paramref name="action"/> as an actor-bound task (its awaits continue on the actor).</summary>
    protected void RunTask(Action action) => Cell.RunTask(() =>
    {
        action();
        return Task.CompletedTask;
    });
}
