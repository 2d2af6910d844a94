namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. <c>/user</c> and <c>/system</c>: parents of top-level actors, with the default strategy.</summary>
internal sealed class GuardianActor : ActorBase
{
    protected override bool Receive(object message) => false;
}

/// <summary>
/// INTERNAL API. The root guardian <c>/</c>. It watches <c>/user</c>; when that is gone (Terminate
/// or a fatal escalation) it stops <c>/system</c> and then itself, which ends the actor system.
/// Failures of the guardians stop them.
/// </summary>
internal sealed class RootGuardianActor : ActorBase
{
    private readonly IActorRef _user;
    private readonly IActorRef _system;

    public RootGuardianActor(IActorRef user, IActorRef system)
    {
        _user = user;
        _system = system;
    }

    protected override void PreStart()
    {
        Context.Watch(_user);
        Context.Watch(_system);
    }

    protected override bool Receive(object message)
    {
        if (message is Terminated terminated)
        {
            if (terminated.ActorRef.Equals(_user))
            {
                Context.Stop(_system);
            }
            else if (terminated.ActorRef.Equals(_system))
            {
                Context.Stop(Self);
            }

            return true;
        }

        return false;
    }

    protected override SupervisorStrategy SupervisorStrategy() => Kernel.SupervisorStrategy.StoppingStrategy;
}

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
