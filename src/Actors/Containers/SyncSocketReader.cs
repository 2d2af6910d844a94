using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;
using Runa.Runtime.Sync;

namespace Runa.Actors.Containers;

/// <summary>
/// Owns the host end of the sync socket: packets from runa-init become
/// <see cref="SyncPacketReceived"/> messages to the owner, EOF becomes <see cref="SyncClosed"/>,
/// and <see cref="SendSyncPacket"/> writes one. Reading happens on the shared epoll loop, so a
/// container in setup costs no thread.
/// </summary>
public sealed class SyncSocketReader : ReceiveActor
{
    // runa-init's packets are small (an ERROR is at most ~2 KiB); the host's may be large.
    private const int BufferSize = 64 * 1024;
    private readonly SafeFd _socket;
    private readonly IActorRef _owner;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Lock _readLock = new();
    private IDisposable? _watch;
    private volatile bool _closed;

    public SyncSocketReader(SafeFd socket, IActorRef owner)
    {
        _socket = socket;
        _owner = owner;
        Receive<SendSyncPacket>(m =>
        {
            try
            {
                SyncPacket.Send(_socket, m.Type, m.Payload.Span);
            }
            catch (RunaSystemException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
            {
                // runa-init is gone, and it may have said why first: the owner drains the socket
                // (we stay alive for that) and fails with runa-init's own reason.
                _owner.Tell(new SyncClosed(null));
            }
            catch (RunaSystemException e) when (e.Errno == Errno.EMSGSIZE)
            {
                throw new InvalidOperationException(
                    $"the {m.Type} message for runa-init is {m.Payload.Length} bytes, more than the sync socket carries (config.json too large?)", e);
            }
        });
        Receive<DrainSync>(_ =>
        {
            OnReadable();
            Sender.Tell(SyncDrained.Instance);
        });

    }

    protected override void PreStart()
    {
        _watch = EpollLoop.Shared.Watch(_socket, OnReadable);
    }

    /// <summary>
    /// Drains what is there without blocking: on the epoll loop thread, or on ours for a
    /// <see cref="DrainSync"/>. The lock keeps "read a packet, tell it" atomic, so the owner
    /// sees packets in socket order whoever reads them.
    /// </summary>
    private void OnReadable()
    {
        lock (_readLock)
        {
            DrainLocked();
        }
    }

    private void DrainLocked()
    {
        while (!_closed)
        {
            SyncPacket? packet;
            bool eof;
            try
            {
                packet = SyncPacket.Receive(_socket, _buffer, nonBlocking: true, out eof);
            }
            catch (Exception e) when (e is RunaSystemException or InvalidDataException or ObjectDisposedException)
            {
                _closed = true;
                _owner.Tell(new SyncClosed(e.Message));
                return;
            }
            if (eof)
            {
                _closed = true;
                _owner.Tell(new SyncClosed(null));
                _watch?.Dispose();
                return;
            }
            if (packet is null)
            {
                return;
            }
            _owner.Tell(new SyncPacketReceived(packet));
        }
    }

    protected override void PostStop()
    {
        _closed = true;
        _watch?.Dispose();
        _socket.Dispose();
    }
}

public sealed record SyncPacketReceived(SyncPacket Packet);

/// <summary>The other end closed (runa-init exited, or exec'd the user process); with a reason if reading failed.</summary>
public sealed record SyncClosed(string? Error);

public sealed record SendSyncPacket(MessageType Type, ReadOnlyMemory<byte> Payload);

/// <summary>Forward whatever packets are already in the socket, then reply <see cref="SyncDrained"/>.</summary>
public sealed record DrainSync
{
    public static DrainSync Instance { get; } = new();
}

public sealed record SyncDrained
{
    public static SyncDrained Instance { get; } = new();
}
