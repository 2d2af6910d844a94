using Runa.Host.Transport;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Host.Tests;

/// <summary>A client that speaks frames by hand, to send what RemoteRuntime never would.</summary>
public sealed class RawClient : IDisposable
{
    private readonly SafeFd _socket;

    public RawClient(string path)
    {
        _socket = Sys.ConnectSeqPacket(path);
        Sys.SetSendBuffer(_socket, 4 * Wire.MaxFrameSize);
    }

    public void SendPacket(byte[] packet) => Assert.True(Sys.TrySendMessage(_socket, packet, [], "test socket"), "the socket buffer is full");

    public void Send(FrameType type, ulong id, byte[] payload) => SendPacket(FrameCodec.Encode(type, id, payload, 0));

    public void Hello(int protocol = Wire.ProtocolVersion)
    {
        Send(FrameType.Hello, 0, WireMessages.Encode(new Hello(protocol, "raw"), WireJson.Default.Hello));
        Assert.Equal(FrameType.Welcome, Receive()!.Type);
    }

    public void Request(ulong id, object message) =>
        Send(FrameType.Request, id, WireMessages.Encode(TestCatalog.Instance, message, null, out _));

    /// <summary>The next frame, or null at EOF.</summary>
    public Frame? Receive(int timeoutMs = 10_000)
    {
        Assert.True(Sys.PollReadable(_socket, timeoutMs), $"nothing from the daemon within {timeoutMs} ms");
        var buffer = new byte[Wire.MaxFrameSize];
        var fds = new List<SafeFd>();
        var n = Sys.ReceiveMessage(_socket, buffer, fds, Wire.MaxFds, "test socket");
        return n <= 0 ? null : FrameCodec.Decode(buffer.AsSpan(0, n), fds);
    }

    public object Message(Frame frame) => WireMessages.Decode(TestCatalog.Instance, frame, out _);

    public void Dispose() => _socket.Dispose();
}
