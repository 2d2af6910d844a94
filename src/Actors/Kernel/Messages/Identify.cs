namespace Runa.Kernel;

/// <summary>Every actor answers with <see cref="ActorIdentity"/>; used to resolve an <see cref="ActorSelection"/>.</summary>
/// <param name="MessageId">Correlation id echoed in the reply.</param>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;

/// <summary>Reply to <see cref="Identify"/>; <paramref name="Subject"/> is null when no actor was there.</summary>
/// <param name="MessageId">The id from the request.</param>
/// <param name="Subject">The actor, or null.</param>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);
