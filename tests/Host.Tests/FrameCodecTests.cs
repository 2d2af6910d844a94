using System.Buffers.Binary;
using Runa.Host.Transport;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Host.Tests;

public sealed class FrameCodecTests
{
    [Fact]
    public void A_frame_round_trips_with_its_header_fields()
    {
        var packet = FrameCodec.Encode(FrameType.Request, 0x0102030405060708, "{}"u8, fdCount: 0);
        Assert.Equal(Wire.HeaderSize + 2, packet.Length);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(packet));
        using var frame = FrameCodec.Decode(packet, []);
        Assert.Equal(FrameType.Request, frame.Type);
        Assert.Equal(0x0102030405060708ul, frame.RequestId);
        Assert.Equal("{}"u8.ToArray(), frame.Payload);
    }

    [Fact]
    public void The_fd_count_in_the_header_must_match_the_fds_that_came()
    {
        var packet = FrameCodec.Encode(FrameType.Request, 1, "{}"u8, fdCount: 1);
        var (r, w) = Sys.Pipe();
        using var frame = FrameCodec.Decode(packet, [r]);
        Assert.Same(r, Assert.Single(frame.Fds));

        var (r2, w2) = Sys.Pipe();
        var e = Assert.Throws<ProtocolException>(() => FrameCodec.Decode(FrameCodec.Encode(FrameType.Request, 1, "{}"u8, 0), [r2]));
        Assert.Contains("announces 0 fds, 1 came", e.Message);
        Assert.True(r2.IsClosed, "the fds of a rejected frame are closed");
        w.Dispose();
        w2.Dispose();
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "shorter than")]
    [InlineData(new byte[] { 9, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, "says 9 payload bytes")]
    [InlineData(new byte[] { 0, 0, 0, 0, 99, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 }, "unknown frame type 99")]
    [InlineData(new byte[] { 0, 0, 0, 0, 4, 0, 0, 7, 1, 0, 0, 0, 0, 0, 0, 0 }, "unknown frame flags")]
    public void Malformed_headers_are_protocol_errors(byte[] packet, string expected)
    {
        var e = Assert.Throws<ProtocolException>(() => FrameCodec.Decode(packet, []));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_frame_over_the_limit_cannot_be_encoded()
    {
        var e = Assert.Throws<ProtocolException>(() => FrameCodec.Encode(FrameType.Reply, 1, new byte[Wire.MaxFrameSize], 0));
        Assert.Contains("exceeds the limit", e.Message);
        FrameCodec.Encode(FrameType.Reply, 1, new byte[Wire.MaxFrameSize - Wire.HeaderSize], 0);
    }

    [Theory]
    [InlineData("unix:///run/runa/runa.sock", "/run/runa/runa.sock")]
    [InlineData("/tmp/x.sock", "/tmp/x.sock")]
    public void Daemon_addresses_name_a_socket_path(string address, string path) => Assert.Equal(path, Wire.SocketPath(address));

    [Theory]
    [InlineData("tcp://localhost:1")]
    [InlineData("unix://relative.sock")]
    [InlineData("relative.sock")]
    public void Other_addresses_are_refused(string address) =>
        Assert.Contains("expected unix:///", Assert.Throws<FormatException>(() => Wire.SocketPath(address)).Message);
}
