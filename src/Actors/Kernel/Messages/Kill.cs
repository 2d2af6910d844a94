namespace Runa.Kernel;

/// <summary>Makes the actor throw <see cref="ActorKilledException"/> when reached, so its supervisor decides (default: stop).</summary>
public sealed class Kill : IAutoReceivedMessage
{
    private Kill()
    {
    }

    /// <summary>The singleton.</summary>
    public static Kill Instance { get; } = new();

    /// <inheritdoc/>
    public override string ToString() => "<Kill>";
}
