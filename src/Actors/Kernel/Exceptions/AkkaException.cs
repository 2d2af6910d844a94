namespace Runa.Kernel;

/// <summary>Base of the kernel's exceptions.</summary>
public class AkkaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AkkaException(string message, Exception? cause = null)
        : base(message, cause)
    {
    }
}
