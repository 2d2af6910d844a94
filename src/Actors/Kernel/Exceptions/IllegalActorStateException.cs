namespace Runa.Kernel;

/// <summary>An operation was used in a state where it is not allowed (e.g. stashing the same message twice).</summary>
public sealed class IllegalActorStateException : AkkaException
{
    /// <summary>Creates the exception.</summary>
    public IllegalActorStateException(string message)
        : base(message)
    {
    }
}
