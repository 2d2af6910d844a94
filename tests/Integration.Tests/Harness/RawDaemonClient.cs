using Runa.Host.Transport;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.IntegrationTests.Harness;

/// <summary>A daemon client that writes frames by hand, to send what `runa --host` never would.</summary>
public sealed class RawDaemonClient : IDisposable
{
    private readonly SafeFd _socket;

    public RawDaemonClient(string path)
    {
        _socket = Sys.ConnectSeqPacket(path);
        Sys.SetSendBuffer(_socket, 4 * Wire.MaxFrameSize);
    }

    public void SendPacket(byte[] packet, IReadOnlyList<SafeFd>? fds = null) =>
        Assert.True(Sys.TrySendMessage(_socket, packet, (fds ?? []).Select(f => f.Fd).ToArray(), "test socket"), "the socket buffer is full");

    public void Hello(int protocol = Wire.ProtocolVersion) =>
        SendPacket(FrameCodec.Encode(FrameType.Hello, 0, WireMessages.Encode(new Hello(protocol, "raw test client"), WireJson.Default.Hello), 0));

    public void Request(ulong id, object message)
    {
        var payload = WireMessages.Encode(WireCatalog.Default, message, null, out var fds);
        SendPacket(FrameCodec.Encode(FrameType.Request, id, payload, fds.Count), fds);
    }

    /// <summary>The next frame, or null at EOF.</summary>
    public Frame? Receive(int timeoutMs = 10_000)
    {
        Assert.True(Sys.PollReadable(_socket, timeoutMs), $"nothing from the daemon within {timeoutMs} ms");
        var buffer = new byte[Wire.MaxFrameSize];
        var fds = new List<SafeFd>();
        var n = Sys.ReceiveMessage(_socket, buffer, fds, Wire.MaxFds, "test socket");
        return n <= 0 ? null : FrameCodec.Decode(buffer.AsSpan(0, n), fds);
    }

    public void Dispose() => _socket.Dispose();
}
