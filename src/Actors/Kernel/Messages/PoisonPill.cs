namespace Runa.Kernel;

/// <summary>Queued like any message; the actor stops when it reaches it (earlier messages are processed first).</summary>
public sealed class PoisonPill : IAutoReceivedMessage
{
    private PoisonPill()
    {
    }

    /// <summary>The singleton.</summary>
    public static PoisonPill Instance { get; } = new();

    /// <inheritdoc/>
    public override string ToString() => "<PoisonPill>";
}
