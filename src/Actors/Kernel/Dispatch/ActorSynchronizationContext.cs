namespace Runa.Kernel.Internal;

/// <summary>
/// INTERNAL API. Installed while an async handler runs: every continuation it posts is sent to the
/// actor as a kernel message and runs inside the actor's mailbox run, so awaited code sees the
/// actor's Context, Self and Sender and never runs concurrently with the actor.
/// </summary>
internal sealed class ActorSynchronizationContext : SynchronizationContext
{
    /// <summary>The actor.</summary>
    private readonly LocalActorRef _self;

    /// <summary>Creates the context for one incarnation of the actor.</summary>
    public ActorSynchronizationContext(LocalActorRef self, int incarnation)
    {
        _self = self;
        Incarnation = incarnation;
    }

    /// <summary>The incarnation whose continuations this context carries.</summary>
    public int Incarnation { get; }

    /// <inheritdoc/>
    public override void Post(SendOrPostCallback d, object? state)
        => _self.SendSystemMessage(new AsyncContinuation(d, state, Incarnation));

    /// <inheritdoc/>
    public override void Send(SendOrPostCallback d, object? state)
        => throw new NotSupportedException("Synchronous Send to an actor's synchronization context would block the actor.");

    /// <inheritdoc/>
    public override SynchronizationContext CreateCopy() => this;
}
