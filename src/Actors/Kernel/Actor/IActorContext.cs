namespace Runa.Kernel;

/// <summary>Creates actors and selections.</summary>
public interface IActorRefFactory
{
    /// <summary>Creates a child (of the user guardian for a system). Null name: a generated <c>$</c> name.</summary>
    /// <exception cref="InvalidActorNameException">The name is malformed, reserved or taken.</exception>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>A selection of actors by path (absolute <c>/user/a</c>, or relative to the calling actor).</summary>
    ActorSelection ActorSelection(string actorPath);
}

/// <summary>Death watch.</summary>
public interface ICanWatch
{
    /// <summary>Watch <paramref name="subject"/>: one <see cref="Terminated"/> arrives when it stops.</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Watch <paramref name="subject"/> and receive <paramref name="message"/> instead of <see cref="Terminated"/>.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stop watching; a Terminated not yet received is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);
}

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

/// <summary>The context of an <see cref="UntypedActor"/>.</summary>
public interface IUntypedActorContext : IActorContext
{
}
