namespace Runa.Kernel;

/// <summary>Thrown by an actor that did not handle the <see cref="Terminated"/> of an actor it watched.</summary>
public sealed class DeathPactException : AkkaException
{
    /// <summary>Creates the exception.</summary>
    public DeathPactException(IActorRef deadActor)
        : base($"Watched actor {deadActor.Path} terminated and its Terminated message was not handled")
    {
        DeadActor = deadActor;
    }

    /// <summary>The watched actor that terminated.</summary>
    public IActorRef DeadActor { get; }
}
