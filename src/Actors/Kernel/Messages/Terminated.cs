namespace Runa.Kernel;

/// <summary>
/// Sent once to each watcher of an actor when it stopped (see <c>Context.Watch</c>). Watching an
/// actor that is already dead yields one at once. If unhandled, the watcher fails with
/// <see cref="DeathPactException"/>.
/// </summary>
/// <param name="ActorRef">The actor that stopped.</param>
/// <param name="ExistenceConfirmed">True if the actor was known to exist when it was watched.</param>
/// <param name="AddressTerminated">True if the whole remote address went away (never in Runa: local only).</param>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated)
    : IDeadLetterSuppression
{
    /// <inheritdoc/>
    public override string ToString() => $"<Terminated>: {ActorRef} - ExistenceConfirmed={ExistenceConfirmed}";
}
