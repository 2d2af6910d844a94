namespace Runa.Kernel;

/// <summary>
/// The actor's view of itself and the kernel. Valid only on the actor's own thread of execution:
/// while it processes a message, runs a lifecycle hook, or in continuations of an async handler.
/// </summary>
public interface IActorContext : IActorRefFactory, ICanWatch
{
    /// <summary>This actor.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the current message (dead letters if none).</summary>
    IActorRef Sender { get; }

    /// <summary>The parent (supervisor).</summary>
    IActorRef Parent { get; }

    /// <summary>The props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>The actor system.</summary>
    ActorSystem System { get; }

    /// <summary>The child named <paramref name="name"/>, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>The children (a snapshot).</summary>
    IEnumerable<IActorRef> GetChildren();

    /// <summary>The children (a snapshot).</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>Stops <paramref name="child"/> (or this actor); acts before any further queued message, unlike <see cref="PoisonPill"/>.</summary>
    void Stop(IActorRef child);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> returns to the previous one.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pops the behaviour pushed last (the initial one stays).</summary>
    void UnbecomeStacked();

    /// <summary>Replaces the current behaviour with one that handles everything.</summary>
    // AKKA-DEVIATION: Akka declares the UntypedReceive overloads on IUntypedActorContext only.
    void Become(UntypedReceive receive);

    /// <summary>Pushes a behaviour that handles everything.</summary>
    void BecomeStacked(UntypedReceive receive);

    /// <summary>After <paramref name="timeout"/> without messages, <see cref="Runa.Kernel.ReceiveTimeout"/> is sent (repeatedly); null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    /// <summary>The current receive timeout, null if off.</summary>
    TimeSpan? ReceiveTimeout { get; }
}
