namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API. What the kernel needs of every ref: system messages and stop.</summary>
internal interface IInternalActorRef : IActorRef
{
    /// <summary>Delivers a kernel message (bypasses the user queue).</summary>
    void SendSystemMessage(SystemMessage message);

    /// <summary>True once the ref can no longer receive anything.</summary>
    bool IsTerminated { get; }

    /// <summary>The system the ref belongs to, null for system-less refs (Nobody).</summary>
    ActorSystem? System { get; }
}
