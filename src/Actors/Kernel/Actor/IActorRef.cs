namespace Runa.Kernel;

/// <summary>
/// An immutable, thread-safe handle to an actor. Equal refs point to the same incarnation
/// (same path and uid): a re-created actor with the same name has a different ref.
/// </summary>
public interface IActorRef : ICanTell, IEquatable<IActorRef>, IComparable<IActorRef>
{
    /// <summary>The actor's place in the tree.</summary>
    ActorPath Path { get; }
}
