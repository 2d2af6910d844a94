namespace Runa.Kernel;

/// <summary>Sent to an actor after its receive timeout elapsed without messages (see <c>Context.SetReceiveTimeout</c>).</summary>
public sealed class ReceiveTimeout
{
    private ReceiveTimeout()
    {
    }

    /// <summary>The singleton.</summary>
    public static ReceiveTimeout Instance { get; } = new();

    /// <inheritdoc/>
    public override string ToString() => "<ReceiveTimeout>";
}
