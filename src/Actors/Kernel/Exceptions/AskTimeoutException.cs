namespace Runa.Kernel;

/// <summary>No reply arrived within an <c>Ask</c>'s timeout.</summary>
public sealed class AskTimeoutException : AkkaException
{
    /// <summary>Creates the exception.</summary>
    public AskTimeoutException(string message)
        : base(message)
    {
    }
}
