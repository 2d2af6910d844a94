namespace Runa.Host.Cli;

/// <summary>
/// Where a CLI command's messages go: the actor system hosted in this process (embedded mode,
/// runc-compatible), or a `runa daemon` over its socket (client mode). Commands are written
/// once against this.
/// </summary>
public interface IRuntimeClient : IAsyncDisposable
{
    /// <summary>Sends a command to the container registry and waits for its reply.</summary>
    Task<T> Ask<T>(object message, TimeSpan timeout);

    /// <summary>
    /// Sends a request whose answer is many messages (`runa events`): yields each until the
    /// actor answering sends a <see cref="Actors.Containers.ContainerEventsEnded"/> (yielded too) or fails.
    /// </summary>
    IAsyncEnumerable<object> Stream(object request, CancellationToken cancellationToken);
}
