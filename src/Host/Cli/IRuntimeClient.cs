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
    /// Sends a streaming request to the container registry and yields every item it answers
    /// with, until the source ends the stream. Convention for the actor that serves it: it Tells
    /// each item (a <typeparamref name="T"/>) to the sender, then <c>Status.Success</c> to end
    /// or <c>Status.Failure</c> to fail the stream, and watches the sender: when it terminates
    /// (the consumer stopped, or the client went away) the source stops sending. Breaking out of
    /// the enumeration or cancelling <paramref name="cancellationToken"/> ends the subscription.
    /// </summary>
    IAsyncEnumerable<T> Stream<T>(object request, CancellationToken cancellationToken = default);
}
