using System.Buffers.Binary;
using System.Text;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Sync;

/// <summary>One packet of the sync socket: type, payload, and any fds that came with it.</summary>
public sealed record SyncPacket(MessageType Type, byte[] Payload, IReadOnlyList<SafeFd> Fds)
{
    public static void Send(SafeFd socket, MessageType type, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default)
    {
        var packet = new byte[SyncProtocol.HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(packet, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(packet.AsSpan(SyncProtocol.HeaderSize));
        Sys.SendPacket(socket, packet, fds);
    }

    /// <summary>Decodes a received packet; throws on one whose header does not match its size.</summary>
    public static SyncPacket Decode(ReadOnlySpan<byte> packet, IReadOnlyList<SafeFd> fds)
    {
        if (packet.Length < SyncProtocol.HeaderSize)
        {
            throw new InvalidDataException($"sync packet of {packet.Length} bytes is shorter than its header");
        }
        var type = (MessageType)BinaryPrimitives.ReadUInt32LittleEndian(packet);
        var len = BinaryPrimitives.ReadUInt32LittleEndian(packet[4..]);
        if (len != packet.Length - SyncProtocol.HeaderSize)
        {
            throw new InvalidDataException($"sync packet {type}: header says {len} bytes, packet has {packet.Length - SyncProtocol.HeaderSize}");
        }
        return new SyncPacket(type, packet[SyncProtocol.HeaderSize..].ToArray(), fds);
    }

    /// <summary>
    /// Receives one packet into <paramref name="buffer"/> (at least <see cref="SyncProtocol.MaxPacket"/>
    /// bytes). Null at EOF (<paramref name="eof"/> set) or when a non-blocking receive found nothing.
    /// </summary>
    public static SyncPacket? Receive(SafeFd socket, byte[] buffer, bool nonBlocking, out bool eof)
    {
        var fds = new List<SafeFd>();
        var n = Sys.ReceivePacket(socket, buffer, fds, nonBlocking);
        eof = n == 0;
        return n <= 0 ? null : Decode(buffer.AsSpan(0, n), fds);
    }

    public int Pid => BinaryPrimitives.ReadInt32LittleEndian(Payload);

    /// <summary>Closes the fds that came with it (a packet nobody takes them from).</summary>
    public void DisposeFds()
    {
        foreach (var fd in Fds)
        {
            fd.Dispose();
        }
    }

    /// <summary>An ERROR packet's fields.</summary>
    public (int OpIndex, int Errno, string Text) Error()
    {
        var op = BinaryPrimitives.ReadInt32LittleEndian(Payload);
        var errno = BinaryPrimitives.ReadInt32LittleEndian(Payload.AsSpan(4));
        var text = Encoding.UTF8.GetString(Payload.AsSpan(8)).TrimEnd('\0');
        return (op, errno, text);
    }
}
