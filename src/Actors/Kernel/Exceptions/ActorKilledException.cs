namespace Runa.Kernel;

/// <summary>Thrown by an actor that received <see cref="Kill"/>; the default decider stops it.</summary>
public sealed class ActorKilledException : AkkaException
{
    /// <summary>Creates the exception.</summary>
    public ActorKilledException(string message = "Kill")
        : base(message)
    {
    }
}
