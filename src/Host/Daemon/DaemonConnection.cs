using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Interop;

namespace Runa.Host.Daemon;

/// <summary>
/// One client of the daemon: the peer check, the handshake, then a read loop that starts one
/// handler per request (many in flight; each replies under its request id when its Ask
/// completes). When the client goes away, whatever it asked is let go: asks are cancelled
/// (their late replies become dead letters), streams stop — except a create, which runs to its
/// end (its fds and the reaper fence are released then) and whose reply just has nowhere to go.
/// </summary>
internal sealed class DaemonConnection
{
    private readonly DaemonServer _server;
    private readonly FrameConnection _frames;
    private readonly int _pid;
    private readonly uint _uid;
    private readonly uint _gid;

    /// <summary>Requests being served, by id.</summary>
    private readonly ConcurrentDictionary<ulong, InFlight> _inFlight = new();

    /// <summary>Cancelled when the client is gone: cancels every cancellable request.</summary>
    private readonly CancellationTokenSource _gone = new();

    /// <summary>Completed when <see cref="RunAsync"/> has finished.</summary>
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The level of container log events the client asked for in its Hello; null: none.</summary>
    private Kernel.LogLevel? _logLevel;

    /// <summary>Set when the daemon stops: new requests are refused.</summary>
    private volatile bool _draining;

    public DaemonConnection(DaemonServer server, SafeFd socket, int pid, uint uid, uint gid)
    {
        _server = server;
        _pid = pid;
        _uid = uid;
        _gid = gid;
        _frames = new FrameConnection(socket, $"client pid {pid} (uid {uid})", server.Options.WriteTimeout);
    }

    private ILogger Log => _server.Log;

    public async Task RunAsync()
    {
        try
        {
            _frames.Start();
            if (!await HandshakeAsync().ConfigureAwait(false))
            {
                return;
            }
            await foreach (var frame in _frames.Incoming.ReadAllAsync().ConfigureAwait(false))
            {
                using (frame)
                {
                    Handle(frame);
                }
            }
        }
        catch (ChannelClosedException)
        {
        }
        catch (ProtocolException e)
        {
            _frames.Shutdown(e);
        }
        catch (Exception e)
        {
            Log.LogError(e, "the connection of {Peer} failed", _frames.Peer);
            _frames.Shutdown(e);
        }
        finally
        {
            if (_frames.CloseReason is ProtocolException p)
            {
                Log.LogWarning("dropped the connection of {Peer}: {Reason}", _frames.Peer, p.Message);
            }
            else if (_frames.CloseReason is { } reason)
            {
                Log.LogInformation("the connection of {Peer} ended: {Reason}", _frames.Peer, reason.Message);
            }
            _gone.Cancel();
            await _frames.DisposeAsync().ConfigureAwait(false);
            _server.Forget(this);
            Log.LogDebug("closed the connection of {Peer}", _frames.Peer);
            _ended.TrySetResult();
        }
    }

    private async Task RefuseAsync(string message)
    {
        _frames.Send(FrameType.Refused, 0, WireMessages.Encode(new Refusal(message), WireJson.Default.Refusal));
        await _frames.FlushAndCloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    private async Task<bool> HandshakeAsync()
    {
        Frame first;
        using (var timeout = new CancellationTokenSource(_server.Options.HandshakeTimeout))
        {
            try
            {
                first = await _frames.Incoming.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new ProtocolException($"no Hello within {_server.Options.HandshakeTimeout.TotalSeconds:0.#}s");
            }
        }
        using (first)
        {
            // Refused only now that the Hello is read: closing a unix socket with unread data
            // resets the connection, and the peer would lose the refusal before reading it.
            if (_server.Authorizer.Refusal(_uid, _gid) is { } refusal)
            {
                Log.LogWarning("refused a connection from pid {Pid} uid {Uid} gid {Gid}: {Reason}", _pid, _uid, _gid, refusal);
                await RefuseAsync(refusal).ConfigureAwait(false);
                return false;
            }
            if (first.Type != FrameType.Hello)
            {
                throw new ProtocolException($"the first frame is a {first.Type}, not a Hello");
            }
            var hello = WireMessages.Decode(first, WireJson.Default.Hello);
            if (hello.Protocol != Wire.ProtocolVersion)
            {
                var message = $"runa daemon speaks protocol {Wire.ProtocolVersion}, this client speaks {hello.Protocol}";
                Log.LogWarning("refused {Peer} ({Client}): {Reason}", _frames.Peer, hello.Client, message);
                await RefuseAsync(message).ConfigureAwait(false);
                return false;
            }
            if (_draining)
            {
                await RefuseAsync("the runa daemon is shutting down").ConfigureAwait(false);
                return false;
            }
            _logLevel = hello.LogLevel;
            _frames.Send(FrameType.Welcome, 0, WireMessages.Encode(new Welcome(Wire.ProtocolVersion, $"runa {typeof(DaemonConnection).Assembly.GetName().Version}"), WireJson.Default.Welcome));
            Log.LogDebug("accepted {Peer} ({Client})", _frames.Peer, hello.Client);
            return true;
        }
    }

    private void Handle(Frame frame)
    {
        switch (frame.Type)
        {
            case FrameType.Request or FrameType.Subscribe:
                if (_inFlight.ContainsKey(frame.RequestId))
                {
                    throw new ProtocolException($"request id #{frame.RequestId} is already in flight");
                }
                object message;
                long? timeoutMs;
                try
                {
                    message = WireMessages.Decode(_server.Catalog, frame, out timeoutMs);
                }
                catch (UnknownWireTypeException e)
                {
                    Fail(frame.RequestId, new WireFailure("error", $"the runa daemon does not know the request type \"{e.TypeName}\""));
                    return;
                }
                if (_server.Catalog.Find(message.GetType()) is not { IsRequest: true })
                {
                    DisposeFds(message);
                    Fail(frame.RequestId, new WireFailure("error", $"a {message.GetType().Name} is not a request"));
                    return;
                }
                if (_draining)
                {
                    DisposeFds(message);
                    Fail(frame.RequestId, ShuttingDown());
                    return;
                }
                var inFlight = new InFlight(
                    cancellable: message is not CreateContainer,
                    endless: frame.Type == FrameType.Subscribe || message is WaitContainer,
                    _gone.Token);
                _inFlight[frame.RequestId] = inFlight;
                _ = frame.Type == FrameType.Request
                    ? ServeAsync(frame.RequestId, message, timeoutMs, inFlight)
                    : StreamAsync(frame.RequestId, message, inFlight);
                break;
            case FrameType.Cancel:
                if (_inFlight.TryGetValue(frame.RequestId, out var cancelled))
                {
                    cancelled.Cancel(draining: false);
                }
                break;
            default:
                throw new ProtocolException($"a {frame.Type} frame is not something a client sends");
        }
    }

    /// <summary>One request: ask the target, answer with its reply or failure under the same id.</summary>
    private async Task ServeAsync(ulong id, object message, long? timeoutMs, InFlight inFlight)
    {
        using var scope = _server.RequestScope(message);
        using var logs = message is ContainerCommand { Id: var containerId } && _logLevel is { } level && _server.LogTap is { } tap
            ? tap.Subscribe(containerId, level, e => _frames.Send(FrameType.Log, id, WireMessages.Encode(
                new WireLog(e.Level, e.Cause is null ? e.Message : $"{e.Message}: {e.Cause.Message}"), WireJson.Default.WireLog)))
            : null;
        try
        {
            if (message is CreateContainer { Stdio: null } create)
            {
                // Never the daemon's own stdio (its log): a client that passes none gets /dev/null.
                message = create with { Stdio = [Sys.Open("/dev/null", 2), Sys.Open("/dev/null", 2), Sys.Open("/dev/null", 2)] };
            }
            // A create is bounded by the container actor's own timers, a wait by the container;
            // both run without an ask timeout. Anything else gets the client's.
            TimeSpan? timeout = message is CreateContainer or WaitContainer || timeoutMs is not > 0 ? null : TimeSpan.FromMilliseconds(timeoutMs.Value);
            var reply = await _server.Target.Ask<object>(message, timeout, inFlight.Token).ConfigureAwait(false);
            if (!inFlight.Finished() || !Send(FrameType.Reply, id, reply))
            {
                // Cancelled meanwhile (or the client is gone): the reply has nowhere to go.
                DisposeFds(reply);
            }
        }
        catch (OperationCanceledException) when (inFlight.Token.IsCancellationRequested)
        {
            if (inFlight.Draining)
            {
                Fail(id, ShuttingDown());
            }
        }
        catch (Exception e)
        {
            if (inFlight.Finished())
            {
                Fail(id, WireMessages.Failure(e));
            }
        }
        finally
        {
            DisposeFds(message); // a create's stdio: runa-init holds its own copies by now
            _inFlight.TryRemove(id, out _);
            inFlight.Done();
        }
    }

    /// <summary>One subscription: a <see cref="StreamSubscriber"/> relays the source's items as Item frames, then End.</summary>
    private async Task StreamAsync(ulong id, object request, InFlight inFlight)
    {
        var channel = StreamSubscriber.NewChannel();
        var subscriber = _server.System.ActorOf(StreamSubscriber.Props(_server.Target, request, channel.Writer));
        using var stop = inFlight.Token.Register(() => _server.System.Stop(subscriber));
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (!Send(FrameType.Item, id, item))
                {
                    DisposeFds(item);
                    break;
                }
            }
            if (inFlight.Draining)
            {
                Fail(id, ShuttingDown());
            }
            else if (!inFlight.Token.IsCancellationRequested)
            {
                _frames.Send(FrameType.End, id, []);
            }
        }
        catch (Exception e)
        {
            Fail(id, inFlight.Draining ? ShuttingDown() : WireMessages.Failure(e));
        }
        finally
        {
            _server.System.Stop(subscriber);
            DisposeFds(request);
            _inFlight.TryRemove(id, out _);
            inFlight.Done();
        }
    }

    /// <summary>Sends a message frame; false if the connection is gone. The frame's fds are ours and closed once sent.</summary>
    private bool Send(FrameType type, ulong id, object message)
    {
        byte[] payload;
        IReadOnlyList<SafeFd> fds;
        try
        {
            payload = WireMessages.Encode(_server.Catalog, message, null, out fds);
            return _frames.Send(type, id, payload, fds);
        }
        catch (Exception e) when (e is NotSupportedException or ProtocolException)
        {
            Log.LogError("cannot send {Type} #{Id} to {Peer}: {Error}", message.GetType().Name, id, _frames.Peer, e.Message);
            Fail(id, new WireFailure("error", $"the daemon cannot send its answer: {e.Message}"));
            DisposeFds(message);
            return true;
        }
    }

    private void Fail(ulong id, WireFailure failure) =>
        _frames.Send(FrameType.Failure, id, WireMessages.Encode(failure, WireJson.Default.WireFailure));

    private static WireFailure ShuttingDown() => new("unavailable", "the runa daemon is shutting down");

    private void DisposeFds(object message)
    {
        if (_server.Catalog.Find(message.GetType()) is { } type)
        {
            foreach (var fd in type.Detach(message).Fds)
            {
                fd.Dispose();
            }
        }
    }

    /// <summary>
    /// The daemon stops: refuse new requests, fail endless ones at once, give the rest until
    /// <paramref name="grace"/>, fail what is still running, flush and close.
    /// </summary>
    public async Task DrainAsync(TimeSpan grace)
    {
        _draining = true;
        foreach (var f in _inFlight.Values.Where(f => f.Endless))
        {
            f.Cancel(draining: true);
        }
        var pending = _inFlight.Values.Select(f => f.Completion).ToList();
        try
        {
            await Task.WhenAll(pending).WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        var cancelled = new List<Task>();
        foreach (var (id, f) in _inFlight)
        {
            if (f.Cancel(draining: true))
            {
                cancelled.Add(f.Completion);
            }
            else if (f.Finished())
            {
                // Not cancellable (a create): it goes on without us; the client hears why now.
                Fail(id, ShuttingDown());
            }
        }
        try
        {
            // Cancelled handlers answer "shutting down" themselves, promptly: let them before the flush.
            await Task.WhenAll(cancelled).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        await _frames.FlushAndCloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            await _ended.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.LogWarning("the connection of {Peer} did not end within 5s of its close", _frames.Peer);
        }
    }

    /// <summary>A request being served: its cancellation, and whether its answer is still to be sent.</summary>
    private sealed class InFlight
    {
        private readonly CancellationTokenSource? _cts;
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _finished;

        public InFlight(bool cancellable, bool endless, CancellationToken gone)
        {
            Endless = endless;
            _cts = cancellable ? CancellationTokenSource.CreateLinkedTokenSource(gone) : null;
        }

        /// <summary>Waits and streams: they end only when something else happens.</summary>
        public bool Endless { get; }

        public bool Draining { get; private set; }

        public CancellationToken Token => _cts?.Token ?? CancellationToken.None;

        public Task Completion => _completion.Task;

        /// <summary>Cancels if it can; false for a request that must run to its end.</summary>
        public bool Cancel(bool draining)
        {
            if (_cts is null)
            {
                return false;
            }
            Draining |= draining;
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            return true;
        }

        /// <summary>Claims the right to answer: true the first time only.</summary>
        public bool Finished() => Interlocked.Exchange(ref _finished, 1) == 0;

        public void Done()
        {
            _completion.TrySetResult();
            _cts?.Dispose();
        }
    }
}
