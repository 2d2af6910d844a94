using System.Threading.Channels;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;

namespace Runa.Host.Transport;

/// <summary>
/// One SOCK_SEQPACKET connection speaking <see cref="Wire"/> frames, the same on both sides.
/// Reading is event-driven: the shared <see cref="EpollLoop"/> calls back when packets are
/// pending, the callback receives them without blocking (into one buffer per loop thread, so an
/// idle connection holds no 1 MiB buffer and no thread) and queues checked frames on
/// <see cref="Incoming"/>, which the owner's read loop consumes. Writing is a write loop over a
/// queue: non-blocking sendmsg; when the peer stops reading and the buffer is full it waits for
/// POLLOUT, at most the write timeout, then gives the connection up. <see cref="Shutdown"/> is the
/// one idempotent way down: it stops both loops, completes <see cref="Incoming"/> with the reason
/// (frames already queued are still read), and shuts the socket so the peer sees EOF.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable
{
    /// <summary>The receive buffer of the current epoll thread (callbacks of one loop never overlap).</summary>
    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>The socket; closed by <see cref="DisposeAsync"/> only.</summary>
    private readonly SafeFd _socket;

    /// <summary>Checked frames from the peer, in order; completed (with the reason, if any) at shutdown.</summary>
    private readonly Channel<Frame> _incoming = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Packets to send, in order; completed at shutdown or by <see cref="FlushAndCloseAsync"/>.</summary>
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Guards the shutdown state.</summary>
    private readonly Lock _gate = new();

    /// <summary>Completed once <see cref="Shutdown"/> ran.</summary>
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TimeSpan _writeTimeout;

    /// <summary>The epoll registration; null before <see cref="Start"/> and after shutdown.</summary>
    private IDisposable? _watch;

    private Task _writeLoop = Task.CompletedTask;

    /// <summary>True once shut down; never false again.</summary>
    private volatile bool _shutdown;

    /// <summary>Set when a send failed because the peer went away: later frames are dropped, reading goes on to EOF.</summary>
    private volatile bool _peerGone;

    public FrameConnection(SafeFd socket, string peer, TimeSpan writeTimeout)
    {
        _socket = socket;
        Peer = peer;
        _writeTimeout = writeTimeout;
    }

    /// <summary>Who is on the other end, for messages ("pid 42 (uid 0)", "the runa daemon").</summary>
    public string Peer { get; }

    public ChannelReader<Frame> Incoming => _incoming.Reader;

    /// <summary>Completes when the connection has been shut down.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why it was shut down: null for an orderly close (EOF, or ours).</summary>
    public Exception? CloseReason { get; private set; }

    public bool IsOpen => !_shutdown;

    public void Start()
    {
        Sys.SetNonBlocking(_socket, true);
        // A SEQPACKET message must fit the sender's buffer whole.
        Sys.SetSendBuffer(_socket, 2 * Wire.MaxFrameSize);
        _writeLoop = Task.Run(WriteLoopAsync);
        lock (_gate)
        {
            if (!_shutdown)
            {
                _watch = EpollLoop.Shared.Watch(_socket, OnReadable);
            }
        }
    }

    /// <summary>
    /// Queues a frame; its fds go with it (SCM_RIGHTS) and, with <paramref name="ownsFds"/>, are
    /// closed once sent or dropped. False (fds closed as well) if the connection is down.
    /// </summary>
    public bool Send(FrameType type, ulong requestId, byte[] payload, IReadOnlyList<SafeFd>? fds = null, bool ownsFds = true)
    {
        var outgoing = new Outgoing(FrameCodec.Encode(type, requestId, payload, fds?.Count ?? 0), fds ?? [], ownsFds);
        if (_shutdown || _peerGone || !_outgoing.Writer.TryWrite(outgoing))
        {
            outgoing.Dispose();
            return false;
        }
        return true;
    }

    /// <summary>Sends what is queued (waiting at most <paramref name="timeout"/>), then shuts down.</summary>
    public async Task FlushAndCloseAsync(TimeSpan timeout)
    {
        _outgoing.Writer.TryComplete();
        try
        {
            await _writeLoop.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        Shutdown(null);
    }

    /// <summary>Stops both loops and tells the peer (EOF). Idempotent; the first reason wins.</summary>
    public void Shutdown(Exception? reason)
    {
        lock (_gate)
        {
            if (_shutdown)
            {
                return;
            }
            _shutdown = true;
            CloseReason = reason;
            _watch?.Dispose();
            _watch = null;
        }
        _incoming.Writer.TryComplete(reason);
        _outgoing.Writer.TryComplete();
        try
        {
            Sys.Shutdown(_socket);
        }
        catch (ObjectDisposedException)
        {
        }
        _closed.TrySetResult();
    }

    /// <summary>On the epoll thread: receive what is pending, without blocking, and queue it.</summary>
    private void OnReadable()
    {
        var buffer = t_buffer ??= new byte[Wire.MaxFrameSize];
        // A bounded batch per wake-up keeps one busy peer from starving the others; the
        // level-triggered registration fires again at once if more is pending.
        for (var i = 0; i < 32 && !_shutdown; i++)
        {
            var fds = new List<SafeFd>();
            int n;
            try
            {
                n = Sys.ReceiveMessage(_socket, buffer, fds, Wire.MaxFds, Peer);
            }
            catch (Exception e) when (e is RunaSystemException or ObjectDisposedException)
            {
                fds.ForEach(f => f.Dispose());
                Shutdown(e is RunaSystemException { Errno: Errno.EMSGSIZE }
                    ? new ProtocolException($"a frame larger than {Wire.MaxFrameSize} bytes or with more than {Wire.MaxFds} fds")
                    : e);
                return;
            }
            if (n < 0)
            {
                return;
            }
            if (n == 0)
            {
                // EOF (an empty packet reads the same; no valid frame is empty).
                fds.ForEach(f => f.Dispose());
                Shutdown(null);
                return;
            }
            Frame frame;
            try
            {
                frame = FrameCodec.Decode(buffer.AsSpan(0, n), fds);
            }
            catch (ProtocolException e)
            {
                Shutdown(e);
                return;
            }
            if (!_incoming.Writer.TryWrite(frame))
            {
                frame.Dispose();
                return;
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var o in _outgoing.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            using (o)
            {
                if (_shutdown || _peerGone)
                {
                    continue;
                }
                try
                {
                    await SendAsync(o).ConfigureAwait(false);
                }
                catch (RunaSystemException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
                {
                    // The peer closed: what it sent before is still to be read, up to EOF.
                    _peerGone = true;
                }
                catch (Exception e) when (e is RunaSystemException or IOException or ObjectDisposedException)
                {
                    Shutdown(e);
                }
            }
        }
    }

    private async Task SendAsync(Outgoing o)
    {
        var fds = new int[o.Fds.Count];
        for (var i = 0; i < fds.Length; i++)
        {
            fds[i] = o.Fds[i].Fd;
        }
        while (!Sys.TrySendMessage(_socket, o.Packet, fds, Peer))
        {
            // Full: the peer is not reading. Waiting for POLLOUT blocks a pool thread, so it is
            // bounded; a peer that stays silent that long is given up.
            var timeoutMs = (int)_writeTimeout.TotalMilliseconds;
            if (!await Task.Run(() => Sys.PollWritable(_socket, timeoutMs)).ConfigureAwait(false))
            {
                throw new IOException($"{Peer} read nothing for {_writeTimeout.TotalSeconds:0.#}s");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Shutdown(null);
        await _writeLoop.ConfigureAwait(false);
        while (_incoming.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }
        _socket.Dispose();
    }

    private sealed class Outgoing(byte[] packet, IReadOnlyList<SafeFd> fds, bool ownsFds) : IDisposable
    {
        public byte[] Packet { get; } = packet;

        public IReadOnlyList<SafeFd> Fds { get; } = fds;

        public void Dispose()
        {
            if (ownsFds)
            {
                foreach (var fd in Fds)
                {
                    fd.Dispose();
                }
            }
        }
    }
}
