using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Diagnostics;
using Runa.Runtime.Interop;

namespace Runa.Host.Cli;

/// <summary>
/// Client mode (--host / RUNA_HOST): each command's messages go to a `runa daemon` over its unix
/// socket (<see cref="Wire"/>), many in flight at once on one connection, replies matched by
/// request id. Failures come back as the same exceptions the embedded runtime throws, so a
/// command prints the same text and exits with the same code either way.
/// </summary>
public sealed class RemoteRuntime : IRuntimeClient
{
    /// <summary>How long the handshake may take.</summary>
    private static readonly TimeSpan s_handshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly FrameConnection _connection;
    private readonly WireCatalog _catalog;
    private readonly string _address;

    /// <summary>Where container log events the daemon relays go (the CLI's log), or null.</summary>
    private readonly Action<Kernel.LogLevel, string>? _log;

    /// <summary>Requests waiting for their reply (or stream items), by id.</summary>
    private readonly ConcurrentDictionary<ulong, Pending> _pending = new();

    private readonly Task _readLoop;
    private long _nextId;

    private RemoteRuntime(FrameConnection connection, WireCatalog catalog, string address, Action<Kernel.LogLevel, string>? log)
    {
        _log = log;
        _connection = connection;
        _catalog = catalog;
        _address = address;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>The daemon's protocol version, from its Welcome.</summary>
    public int ServerProtocol { get; private set; }

    /// <summary>
    /// Connects to the daemon at <paramref name="address"/> (unix:///path) and shakes hands. A
    /// refusal (permissions, protocol version) throws a <see cref="CliError"/> with the daemon's words.
    /// With <paramref name="log"/>, what a request's container logs at <paramref name="logLevel"/>
    /// or above while it is in flight is written there, as embedded mode would.
    /// </summary>
    public static async Task<RemoteRuntime> ConnectAsync(string address, WireCatalog? catalog = null,
        int protocol = Wire.ProtocolVersion, Action<Kernel.LogLevel, string>? log = null, Kernel.LogLevel logLevel = Kernel.LogLevel.Warning,
        CancellationToken cancellationToken = default)
    {
        string path;
        try
        {
            path = Wire.SocketPath(address);
        }
        catch (FormatException e)
        {
            throw new CliError(e.Message);
        }
        SafeFd socket;
        try
        {
            socket = Sys.ConnectSeqPacket(path);
        }
        catch (RunaSystemException e)
        {
            var why = e.Errno switch
            {
                Errno.ENOENT or Errno.ECONNREFUSED => $"{Errno.Describe(e.Errno).ToLowerInvariant()} (is `runa daemon` running?)",
                Errno.EACCES or Errno.EPERM => "permission denied (the daemon's socket admits root and its --group)",
                _ => Errno.Describe(e.Errno).ToLowerInvariant(),
            };
            throw new CliError($"cannot connect to the runa daemon at {address}: {why}");
        }
        Trace.Mark("client: connected");
        var connection = new FrameConnection(socket, "the runa daemon", TimeSpan.FromSeconds(30));
        Trace.Mark("client: connection made");
        connection.Start();
        Trace.Mark("client: connection started");
        connection.Send(FrameType.Hello, 0, WireMessages.Encode(new Hello(protocol, $"runa {ThisAssembly()}") { LogLevel = log is null ? null : logLevel }, WireJson.Default.Hello));
        Trace.Mark("client: hello sent");
        Frame first;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_handshakeTimeout);
            first = await connection.Incoming.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            var reason = connection.CloseReason ?? (e as ChannelClosedException)?.InnerException;
            throw new CliError(e is OperationCanceledException
                ? $"the runa daemon at {address} did not answer the handshake"
                : $"the runa daemon at {address} closed the connection during the handshake{(reason is null ? "" : $": {reason.Message}")}");
        }
        Trace.Mark("client: handshake answered");
        using (first)
        {
            try
            {
                switch (first.Type)
                {
                    case FrameType.Refused:
                        throw new CliError(WireMessages.Decode(first, WireJson.Default.Refusal).Message);
                    case FrameType.Welcome:
                        var welcome = WireMessages.Decode(first, WireJson.Default.Welcome);
                        if (welcome.Protocol != protocol)
                        {
                            throw new CliError($"runa daemon speaks protocol {welcome.Protocol}, this client speaks {protocol}");
                        }
                        return new RemoteRuntime(connection, catalog ?? WireCatalog.Default, address, log) { ServerProtocol = welcome.Protocol };
                    default:
                        throw new CliError($"the runa daemon at {address} answered the handshake with a {first.Type} frame");
                }
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    public async Task<T> Ask<T>(object message, TimeSpan timeout)
    {
        var id = (ulong)Interlocked.Increment(ref _nextId);
        var pending = new Pending(stream: null);
        _pending[id] = pending;
        long? timeoutMs = timeout == Timeout.InfiniteTimeSpan ? null : (long)timeout.TotalMilliseconds;
        Send(FrameType.Request, id, message, timeoutMs, pending);
        object reply;
        try
        {
            reply = timeoutMs is null
                ? await pending.Reply.Task.ConfigureAwait(false)
                : await pending.Reply.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The daemon answers late or never: tell it to let go, and drop what it may still send.
            if (_pending.TryRemove(id, out _))
            {
                _connection.Send(FrameType.Cancel, id, []);
            }
            _ = pending.Reply.Task.ContinueWith(t => DisposeFds(t.Result), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw new AskTimeoutException($"no answer from the runa daemon at {_address} to {message.GetType().Name} within {timeout.TotalSeconds:0.###}s");
        }
        if (reply is T result)
        {
            return result;
        }
        DisposeFds(reply);
        throw new CliError($"the runa daemon answered {message.GetType().Name} with a {reply.GetType().Name}, not a {typeof(T).Name}");
    }

    public async IAsyncEnumerable<T> Stream<T>(object request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = (ulong)Interlocked.Increment(ref _nextId);
        var pending = new Pending(StreamSubscriber.NewChannel());
        _pending[id] = pending;
        Send(FrameType.Subscribe, id, request, null, pending);
        var ended = false;
        try
        {
            await foreach (var item in pending.Stream!.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item is T t
                    ? t
                    : throw new CliError($"the stream of {request.GetType().Name} sent a {item.GetType().Name}, not a {typeof(T).Name}");
            }
            ended = true;
        }
        finally
        {
            if (_pending.TryRemove(id, out _) && !ended)
            {
                _connection.Send(FrameType.Cancel, id, []);
            }
        }
    }

    private void Send(FrameType type, ulong id, object message, long? timeoutMs, Pending pending)
    {
        byte[] payload;
        IReadOnlyList<SafeFd> fds;
        try
        {
            payload = WireMessages.Encode(_catalog, message, timeoutMs, out fds);
        }
        catch (Exception e) when (e is NotSupportedException or ProtocolException)
        {
            _pending.TryRemove(id, out _);
            throw new CliError(e.Message);
        }
        // The fds are the caller's (our stdio, say): the kernel copies them into the message.
        if (!_connection.Send(type, id, payload, fds, ownsFds: false))
        {
            _pending.TryRemove(id, out _);
            pending.Fail(Lost());
        }
    }

    /// <summary>Replies, items and failures from the daemon, matched to their request by id.</summary>
    private async Task ReadLoopAsync()
    {
        try
        {
            await foreach (var frame in _connection.Incoming.ReadAllAsync().ConfigureAwait(false))
            {
                using (frame)
                {
                    Dispatch(frame);
                }
            }
        }
        catch (ChannelClosedException)
        {
            // The reason is the connection's CloseReason.
        }
        catch (ProtocolException e)
        {
            _connection.Shutdown(e);
        }
        var lost = Lost();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var p))
            {
                p.Fail(lost);
            }
        }
    }

    private void Dispatch(Frame frame)
    {
        if (frame.Type == FrameType.Log)
        {
            var entry = WireMessages.Decode(frame, WireJson.Default.WireLog);
            if (_pending.ContainsKey(frame.RequestId))
            {
                _log?.Invoke(entry.Level, entry.Message);
            }
            return;
        }
        if (!_pending.TryGetValue(frame.RequestId, out var pending))
        {
            // An answer to something we gave up on: close what came with it.
            if (frame.Type is FrameType.Reply or FrameType.Item && TryDecode(frame) is { } stale)
            {
                DisposeFds(stale);
            }
            return;
        }
        switch (frame.Type)
        {
            case FrameType.Reply when pending.Stream is null:
                _pending.TryRemove(frame.RequestId, out _);
                if (TryDecode(frame) is { } reply)
                {
                    pending.Reply.TrySetResult(reply);
                }
                else
                {
                    pending.Fail(new CliError("the runa daemon sent a reply of a type this client does not know"));
                }
                break;
            case FrameType.Item when pending.Stream is not null:
                if (TryDecode(frame) is { } item && !pending.Stream.Writer.TryWrite(item))
                {
                    DisposeFds(item);
                    _pending.TryRemove(frame.RequestId, out _);
                    _connection.Send(FrameType.Cancel, frame.RequestId, []);
                    pending.Fail(new CliError($"the stream's consumer fell {StreamSubscriber.Capacity} items behind"));
                }
                break;
            case FrameType.End when pending.Stream is not null:
                _pending.TryRemove(frame.RequestId, out _);
                pending.Stream.Writer.TryComplete();
                break;
            case FrameType.Failure:
                _pending.TryRemove(frame.RequestId, out _);
                pending.Fail(WireMessages.ToException(WireMessages.Decode(frame, WireJson.Default.WireFailure)));
                break;
            default:
                throw new ProtocolException($"a {frame.Type} frame for request #{frame.RequestId} was not expected");
        }
    }

    private object? TryDecode(Frame frame)
    {
        try
        {
            return WireMessages.Decode(_catalog, frame, out _);
        }
        catch (UnknownWireTypeException)
        {
            return null;
        }
    }

    private DaemonUnavailableException Lost()
    {
        var reason = _connection.CloseReason;
        return new DaemonUnavailableException(
            $"the connection to the runa daemon at {_address} was lost{(reason is null ? "" : $": {reason.Message}")}", reason);
    }

    /// <summary>Closes the fds a message carries (one nobody will use).</summary>
    private void DisposeFds(object message)
    {
        if (_catalog.Find(message.GetType()) is { } type)
        {
            foreach (var fd in type.Detach(message).Fds)
            {
                fd.Dispose();
            }
        }
    }

    private static string ThisAssembly() => typeof(RemoteRuntime).Assembly.GetName().Version?.ToString() ?? "?";

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _readLoop.ConfigureAwait(false);
    }

    /// <summary>A request in flight: one reply, or (for a subscription) a channel of items.</summary>
    private sealed class Pending(Channel<object>? stream)
    {
        public TaskCompletionSource<object> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Channel<object>? Stream { get; } = stream;

        public void Fail(Exception e)
        {
            Reply.TrySetException(e);
            Stream?.Writer.TryComplete(e);
        }
    }
}
