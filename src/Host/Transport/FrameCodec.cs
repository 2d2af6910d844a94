using System.Buffers.Binary;
using Runa.Runtime.Interop;

namespace Runa.Host.Transport;

/// <summary>The fixed frame header of <see cref="Wire"/>: encoding, and the checks a received packet must pass.</summary>
public static class FrameCodec
{
    /// <summary>A whole packet: header then payload.</summary>
    public static byte[] Encode(FrameType type, ulong requestId, ReadOnlySpan<byte> payload, int fdCount)
    {
        if (Wire.HeaderSize + payload.Length > Wire.MaxFrameSize)
        {
            throw new ProtocolException($"a {type} frame of {Wire.HeaderSize + payload.Length} bytes exceeds the limit of {Wire.MaxFrameSize}");
        }
        if (fdCount is < 0 or > Wire.MaxFds)
        {
            throw new ArgumentOutOfRangeException(nameof(fdCount), fdCount, $"a frame carries at most {Wire.MaxFds} fds");
        }
        var packet = new byte[Wire.HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(packet, (uint)payload.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(4), (ushort)type);
        packet[6] = (byte)fdCount;
        packet[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(8), requestId);
        payload.CopyTo(packet.AsSpan(Wire.HeaderSize));
        return packet;
    }

    /// <summary>
    /// Checks a received packet and makes a <see cref="Frame"/> owning <paramref name="fds"/>.
    /// Throws <see cref="ProtocolException"/> (after closing the fds) for anything malformed.
    /// </summary>
    public static Frame Decode(ReadOnlySpan<byte> packet, IReadOnlyList<SafeFd> fds)
    {
        try
        {
            if (packet.Length < Wire.HeaderSize)
            {
                throw new ProtocolException($"a packet of {packet.Length} bytes is shorter than the {Wire.HeaderSize}-byte frame header");
            }
            var length = BinaryPrimitives.ReadUInt32LittleEndian(packet);
            var type = (FrameType)BinaryPrimitives.ReadUInt16LittleEndian(packet[4..]);
            var fdCount = packet[6];
            if (length != packet.Length - Wire.HeaderSize)
            {
                throw new ProtocolException($"the frame header says {length} payload bytes, the packet has {packet.Length - Wire.HeaderSize}");
            }
            if (!Enum.IsDefined(type))
            {
                throw new ProtocolException($"unknown frame type {(ushort)type}");
            }
            if (packet[7] != 0)
            {
                throw new ProtocolException($"unknown frame flags 0x{packet[7]:x2}");
            }
            if (fdCount != fds.Count)
            {
                throw new ProtocolException($"the {type} frame header announces {fdCount} fds, {fds.Count} came with it");
            }
            var requestId = BinaryPrimitives.ReadUInt64LittleEndian(packet[8..]);
            return new Frame(type, requestId, packet[Wire.HeaderSize..].ToArray(), fds);
        }
        catch
        {
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
            throw;
        }
    }
}
