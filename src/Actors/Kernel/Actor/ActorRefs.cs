namespace Runa.Kernel;

/// <summary>Well-known refs.</summary>
public static class ActorRefs
{
    /// <summary>"No sender": replies to it go to dead letters.</summary>
    public static readonly IActorRef? NoSender = null;

    /// <summary>A ref that swallows every message; returned by <c>Context.Child</c> when there is no such child.</summary>
    public static readonly IActorRef Nobody = Runa.Kernel.Internal.NobodyActorRef.Instance;
}
