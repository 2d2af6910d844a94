namespace Runa.Host.Daemon;

/// <summary>Timeouts of the daemon's transport.</summary>
public sealed record DaemonServerOptions
{
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
