namespace Runa.Kernel;

/// <summary>
/// An actor's constructor, <c>PreStart</c> or <c>PostRestart</c> threw; the original exception is
/// the <see cref="Exception.InnerException"/>. The default decider stops such an actor.
/// </summary>
public class ActorInitializationException : AkkaException
{
    /// <summary>Creates the exception.</summary>
    public ActorInitializationException(string message, Exception? cause = null)
        : base(message, cause)
    {
    }

    /// <summary>Creates the exception for <paramref name="actor"/>.</summary>
    public ActorInitializationException(IActorRef? actor, string message, Exception? cause = null)
        : base(actor is null ? message : $"{actor.Path}: {message}", cause)
    {
        Actor = actor;
    }

    /// <summary>The actor that failed to initialize, if known.</summary>
    public IActorRef? Actor { get; }
}
