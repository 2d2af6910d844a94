namespace Runa.Kernel;

/// <summary><see cref="ActorSelection.ResolveOne(TimeSpan)"/> found no actor.</summary>
public sealed class ActorNotFoundException : AkkaException
{
    /// <summary>Creates the exception.</summary>
    public ActorNotFoundException(string message)
        : base(message)
    {
    }
}
