namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. <see cref="ActorRefs.Nobody"/>: swallows messages; watching it yields Terminated at once.</summary>
internal sealed class NobodyActorRef : ActorRefBase
{
    private NobodyActorRef()
        : base(ActorPath.CreateRoot("all-systems") / "Nobody", 0)
    {
    }

    /// <summary>The singleton.</summary>
    public static NobodyActorRef Instance { get; } = new();

    /// <inheritdoc/>
    public override bool IsTerminated => true;

    /// <inheritdoc/>
    public override ActorSystem? System => null;

    /// <inheritdoc/>
    public override void Tell(object message, IActorRef? sender)
    {
    }

    /// <inheritdoc/>
    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w)
        {
            w.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false, addressTerminated: false));
        }
    }
}
