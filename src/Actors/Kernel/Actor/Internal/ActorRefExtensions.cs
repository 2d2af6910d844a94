namespace Runa.Kernel.Internal;

/// <summary>INTERNAL API.</summary>
internal static class ActorRefExtensions
{
    /// <summary>The kernel view of a ref.</summary>
    internal static IInternalActorRef AsInternal(this IActorRef actor)
        => actor as IInternalActorRef ?? throw new ArgumentException($"Unsupported IActorRef implementation {actor.GetType()}.", nameof(actor));
}
