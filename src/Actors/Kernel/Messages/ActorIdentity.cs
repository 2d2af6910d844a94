namespace Runa.Kernel;

/// <summary>Reply to <see cref="Identify"/>; <paramref name="Subject"/> is null when no actor was there.</summary>
/// <param name="MessageId">The id from the request.</param>
/// <param name="Subject">The actor, or null.</param>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);
