namespace Runa.Kernel;

/// <summary>Every actor answers with <see cref="ActorIdentity"/>; used to resolve an <see cref="ActorSelection"/>.</summary>
/// <param name="MessageId">Correlation id echoed in the reply.</param>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;
