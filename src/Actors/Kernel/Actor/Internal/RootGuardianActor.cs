namespace Runa.Kernel.Internal;

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
