namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. The "parent" of the root guardian: learns when the root stopped (or failed).</summary>
internal sealed class RootParentRef : MinimalActorRef
{
    public RootParentRef(ActorSystem system, ActorPath path)
        : base(path, 0, system)
    {
    }

    /// <summary>The root guardian, set during bootstrap.</summary>
    internal IInternalActorRef? Root { get; set; }

    public override void Tell(object message, IActorRef? sender)
    {
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case DeathWatchNotification n when n.Actor.Equals(Root):
                System!.OnRootTerminated();
                break;
            case Failed f:
                System!.PublishLog(new LogEvent(LogLevel.Error, f.Child.Path.ToString(), typeof(RootGuardianActor), "Root guardian failed; shutting down: " + f.Cause.Message, f.Cause));
                Root?.SendSystemMessage(new Terminate());
                break;
        }
    }
}
