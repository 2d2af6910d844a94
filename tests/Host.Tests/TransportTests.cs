using Microsoft.Extensions.Logging;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Host.Daemon;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Host.Tests;

/// <summary>
/// The daemon's transport end to end in this process: a <see cref="DaemonServer"/> in front of a
/// stand-in registry, and <see cref="RemoteRuntime"/> or a <see cref="RawClient"/> talking to it.
/// Needs no root (the peer check admits the test's own gid through a stand-in user database).
/// </summary>
public sealed class TransportTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private readonly string _dir = Directory.CreateTempSubdirectory("runa-transport-").FullName;
    private readonly TestState _state = new();
    private readonly ListLogger _log = new();
    private readonly LogTap _tap = new();
    private ActorSystem _system = null!;
    private DaemonServer _server = null!;

    private string SocketPath => Path.Combine(_dir, "runa.sock");

    private string Address => "unix://" + SocketPath;

    private sealed class OwnGroup : IUserDatabase
    {
        public uint? GroupId(string name) => Gid();

        public (string Name, uint Gid)? User(uint uid) => null;

        public IReadOnlyList<uint> GroupsOf(string user, uint primaryGid) => [];

        private static uint Gid() => uint.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Gid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2]);
    }

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("transport-test");
        var target = _system.ActorOf(Props.Create(() => new TestTarget(_state)), "containers");
        _server = new DaemonServer(_system, target, TestCatalog.Instance, new PeerAuthorizer("me", new OwnGroup()),
            new DaemonServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(5), WriteTimeout = TimeSpan.FromSeconds(5) }, _log, logTap: _tap);
        _server.Listen(SocketPath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync(TimeSpan.FromSeconds(1));
        Assert.False(File.Exists(SocketPath), "the socket file outlived the server");
        Assert.Equal(0, _server.ConnectionCount);
        await _system.Terminate();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<RemoteRuntime> Connect() => RemoteRuntime.ConnectAsync(Address, TestCatalog.Instance);

    [Fact]
    public async Task A_request_gets_its_reply()
    {
        await using var client = await Connect();
        Assert.Equal(Wire.ProtocolVersion, client.ServerProtocol);
        Assert.Equal(new Echoed("hi"), await client.Ask<Echoed>(new Echo("hi"), s_timeout));
    }

    [Fact]
    public async Task Failures_arrive_as_the_exception_embedded_mode_throws()
    {
        await using var client = await Connect();
        var e = await Assert.ThrowsAsync<ContainerException>(() => client.Ask<ContainerStateView>(new GetContainerState("nope"), s_timeout));
        Assert.Equal(ContainerErrorKind.NotFound, e.Kind);
        Assert.Equal("container nope does not exist", e.Message);
    }

    [Fact]
    public async Task What_a_requests_container_logs_meanwhile_reaches_the_clients_log_before_the_answer()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var client = await RemoteRuntime.ConnectAsync(Address, TestCatalog.Instance,
            log: (level, text) => lines.Enqueue($"{level}: {text}"), logLevel: Runa.Kernel.LogLevel.Warning);
        var wait = client.Ask<Echoed>(new WaitContainer("x"), s_timeout);
        Assert.Equal("wait:x", _state.Held.Take(new CancellationTokenSource(s_timeout).Token));
        LogEvent At(Runa.Kernel.LogLevel level, string source, string text) => new(level, "akka://transport-test" + source, typeof(TestTarget), text, null);
        _tap.Publish(At(Runa.Kernel.LogLevel.Error, "/user/containers/x/log", "container x: runa-init: it broke"));
        _tap.Publish(At(Runa.Kernel.LogLevel.Debug, "/user/containers/x", "too detailed"));
        _tap.Publish(At(Runa.Kernel.LogLevel.Error, "/user/containers/x2/log", "another container"));
        _tap.Publish(At(Runa.Kernel.LogLevel.Warning, "/user/containers/x", "container x: 1 process(es) OOM-killed"));
        await client.Ask<Done>(new Release("wait:x"), s_timeout);
        Assert.Equal(new Echoed("released wait:x"), await wait);
        Assert.Equal(["Error: container x: runa-init: it broke", "Warning: container x: 1 process(es) OOM-killed"], lines);
    }

    [Fact]
    public async Task Two_requests_in_flight_on_one_connection_are_answered_by_id()
    {
        await using var client = await Connect();
        // The first is answered only after the second has been served: both must be in flight.
        var held = client.Ask<Echoed>(new Hold("a"), s_timeout);
        Assert.IsType<Done>(await client.Ask<Done>(new Release("a"), s_timeout));
        Assert.Equal(new Echoed("released a"), await held);
    }

    [Fact]
    public void Replies_carry_the_request_id_they_answer()
    {
        using var raw = new RawClient(SocketPath);
        raw.Hello();
        raw.Request(77, new Hold("b"));
        Assert.Equal("b", _state.Held.Take(new CancellationTokenSource(s_timeout).Token));
        raw.Request(5, new Release("b"));
        raw.Request(6, new Echo("c"));
        var answers = new Dictionary<ulong, object>();
        for (var i = 0; i < 3; i++)
        {
            using var frame = raw.Receive()!;
            Assert.Equal(FrameType.Reply, frame.Type);
            answers[frame.RequestId] = raw.Message(frame);
        }
        Assert.Equal(new Echoed("released b"), answers[77]);
        Assert.IsType<Done>(answers[5]);
        Assert.Equal(new Echoed("c"), answers[6]);
    }

    [Fact]
    public async Task A_stream_yields_every_item_then_ends_and_fails_like_its_source()
    {
        await using var client = await Connect();
        var numbers = new List<int>();
        await foreach (var n in client.Stream<Number>(new CountTo(5)))
        {
            numbers.Add(n.I);
        }
        Assert.Equal([1, 2, 3, 4, 5], numbers);

        numbers.Clear();
        var e = await Assert.ThrowsAsync<ContainerException>(async () =>
        {
            await foreach (var n in client.Stream<Number>(new CountTo(5, FailAt: 3)))
            {
                numbers.Add(n.I);
            }
        });
        Assert.Equal("failed at 3", e.Message);
        Assert.Equal([1, 2], numbers);
    }

    [Fact]
    public async Task Leaving_a_stream_stops_its_subscriber_at_the_source()
    {
        await using var client = await Connect();
        await foreach (var n in client.Stream<Number>(new Ticks("remote")))
        {
            Assert.Equal(0, n.I);
            break;
        }
        Assert.Equal("remote", _state.StoppedStreams.Take(new CancellationTokenSource(s_timeout).Token));
        Assert.Equal(new Echoed("still here"), await client.Ask<Echoed>(new Echo("still here"), s_timeout));
    }

    [Fact]
    public async Task Embedded_mode_streams_the_same_way()
    {
        var system = ActorSystem.Create("embedded-stream");
        var target = system.ActorOf(Props.Create(() => new TestTarget(_state)));
        await using var embedded = EmbeddedRuntime.Over(system, target);
        var numbers = new List<int>();
        await foreach (var n in embedded.Stream<Number>(new CountTo(3)))
        {
            numbers.Add(n.I);
        }
        Assert.Equal([1, 2, 3], numbers);
        await foreach (var n in embedded.Stream<Number>(new Ticks("embedded")))
        {
            break;
        }
        Assert.Equal("embedded", _state.StoppedStreams.Take(new CancellationTokenSource(s_timeout).Token));
        await Assert.ThrowsAsync<ContainerException>(async () =>
        {
            await foreach (var n in embedded.Stream<Number>(new CountTo(3, FailAt: 1)))
            {
            }
        });
    }

    [Fact]
    public async Task Stdio_fds_go_to_the_daemon_and_the_console_fd_comes_back()
    {
        await using var client = await Connect();
        var (outRead, outWrite) = Sys.Pipe();
        using var devNull = Sys.Open("/dev/null", Libc_O_RDWR);
        var reply = await client.Ask<ContainerCreatedReply>(
            new CreateContainer("c", "/bundle") { Stdio = [devNull, outWrite, devNull] }, s_timeout);
        outWrite.Dispose();
        var buffer = new byte[64];
        Assert.Equal("hello\n", System.Text.Encoding.UTF8.GetString(buffer, 0, Sys.Read(outRead, buffer)));
        Assert.Equal(0, Sys.Read(outRead, buffer)); // the daemon closed its copy of our stdout
        outRead.Dispose();

        using var console = reply.Console!;
        Assert.True(_state.ConsoleWriters.TryDequeue(out var writer));
        using (writer)
        {
            Sys.WriteAll(writer, "from the console"u8);
        }
        Assert.Equal("from the console", System.Text.Encoding.UTF8.GetString(buffer, 0, Sys.Read(console, buffer)));
    }

    private const int Libc_O_RDWR = 2;

    [Fact]
    public async Task A_client_of_another_protocol_version_is_refused_with_both_versions_named()
    {
        var e = await Assert.ThrowsAsync<CliError>(() => RemoteRuntime.ConnectAsync(Address, TestCatalog.Instance, protocol: 2));
        Assert.Equal("runa daemon speaks protocol 1, this client speaks 2", e.Message);
        _log.WaitFor("this client speaks 2", s_timeout);
    }

    [Fact]
    public async Task A_daemon_of_another_protocol_version_is_refused_by_the_client()
    {
        var path = Path.Combine(_dir, "other.sock");
        using var listener = Sys.ListenSeqPacket(path, 0x180);
        var fake = Task.Run(() =>
        {
            Assert.True(Sys.PollReadable(listener, 10_000));
            using var peer = Sys.Accept(listener)!;
            Sys.SetNonBlocking(peer, false);
            Assert.True(Sys.PollReadable(peer, 10_000));
            Sys.ReceiveMessage(peer, new byte[Wire.MaxFrameSize], [], Wire.MaxFds, "fake"); // the Hello
            Sys.SendPacket(peer, FrameCodec.Encode(FrameType.Welcome, 0, WireMessages.Encode(new Welcome(2, "future"), WireJson.Default.Welcome), 0));
            Sys.PollReadable(peer, 10_000); // until the client hangs up
        });
        var e = await Assert.ThrowsAsync<CliError>(() => RemoteRuntime.ConnectAsync("unix://" + path));
        Assert.Equal("runa daemon speaks protocol 2, this client speaks 1", e.Message);
        await fake.WaitAsync(s_timeout);
    }

    [Theory]
    [InlineData(new byte[] { 0xde, 0xad, 0xbe, 0xef }, "shorter than")]
    [InlineData(new byte[] { 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x' }, "malformed")]
    [InlineData(new byte[] { 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 }, "not something a client sends")]
    public async Task Garbage_drops_that_connection_and_the_daemon_serves_on(byte[] garbage, string reason)
    {
        using (var raw = new RawClient(SocketPath))
        {
            raw.Hello();
            raw.SendPacket(garbage);
            Assert.Null(raw.Receive());
        }
        Assert.Contains(reason, _log.WaitFor("dropped the connection", s_timeout));
        await using var client = await Connect();
        Assert.Equal(new Echoed("ok"), await client.Ask<Echoed>(new Echo("ok"), s_timeout));
    }

    [Fact]
    public async Task Garbage_instead_of_a_hello_is_dropped_too()
    {
        using (var raw = new RawClient(SocketPath))
        {
            raw.SendPacket("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
            Assert.Null(raw.Receive());
        }
        _log.WaitFor("dropped the connection", s_timeout);
        await using var client = await Connect();
        Assert.Equal(new Echoed("ok"), await client.Ask<Echoed>(new Echo("ok"), s_timeout));
    }

    [Fact]
    public async Task An_oversized_frame_drops_that_connection_and_the_daemon_serves_on()
    {
        using (var raw = new RawClient(SocketPath))
        {
            raw.Hello();
            var packet = new byte[Wire.MaxFrameSize + 1];
            raw.SendPacket(packet);
            Assert.Null(raw.Receive());
        }
        Assert.Contains("larger than 1048576 bytes", _log.WaitFor("dropped the connection", s_timeout));
        await using var client = await Connect();
        Assert.Equal(new Echoed("ok"), await client.Ask<Echoed>(new Echo("ok"), s_timeout));
    }

    [Fact]
    public async Task An_unknown_request_type_gets_a_failure_and_the_connection_stays()
    {
        using var raw = new RawClient(SocketPath);
        raw.Hello();
        raw.Send(FrameType.Request, 1, "{\"type\":\"LaunchRocket\",\"message\":{\"Id\":\"a\"}}"u8.ToArray());
        using (var failure = raw.Receive()!)
        {
            Assert.Equal(FrameType.Failure, failure.Type);
            Assert.Equal(1ul, failure.RequestId);
            Assert.Contains("does not know the request type \"LaunchRocket\"", WireMessages.Decode(failure, WireJson.Default.WireFailure).Message);
        }
        raw.Request(2, new Echo("after"));
        using var reply = raw.Receive()!;
        Assert.Equal(new Echoed("after"), raw.Message(reply));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_client_that_leaves_mid_request_does_not_disturb_the_daemon()
    {
        using (var raw = new RawClient(SocketPath))
        {
            raw.Hello();
            raw.Request(1, new Hold("orphaned"));
            Assert.Equal("orphaned", _state.Held.Take(new CancellationTokenSource(s_timeout).Token));
        }
        _log.WaitFor("closed the connection", s_timeout);
        await using var client = await Connect();
        // The held request's answer now has nowhere to go.
        Assert.IsType<Done>(await client.Ask<Done>(new Release("orphaned"), s_timeout));
        Assert.Equal(new Echoed("fine"), await client.Ask<Echoed>(new Echo("fine"), s_timeout));
        Assert.Equal(1, _server.ConnectionCount);
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_that_times_out_is_cancelled_at_the_daemon()
    {
        await using var client = await Connect();
        await Assert.ThrowsAsync<AskTimeoutException>(() => client.Ask<Echoed>(new Hold("slow"), TimeSpan.FromMilliseconds(300)));
        Assert.IsType<Done>(await client.Ask<Done>(new Release("slow"), s_timeout));
        Assert.Equal(new Echoed("on"), await client.Ask<Echoed>(new Echo("on"), s_timeout));
    }

    [Fact]
    public async Task Stopping_fails_what_is_in_flight_and_removes_the_socket()
    {
        await using var client = await Connect();
        var held = client.Ask<Echoed>(new Hold("stop"), s_timeout);
        Assert.Equal("stop", _state.Held.Take(new CancellationTokenSource(s_timeout).Token));
        await _server.StopAsync(TimeSpan.FromMilliseconds(200));
        var e = await Assert.ThrowsAsync<DaemonUnavailableException>(() => held);
        Assert.Equal("the runa daemon is shutting down", e.Message);
        Assert.False(File.Exists(SocketPath));
    }

    [Fact]
    public async Task A_second_server_on_a_live_socket_refuses_to_start_and_a_stale_one_is_replaced()
    {
        var second = new DaemonServer(_system, _system.DeadLetters, TestCatalog.Instance, new PeerAuthorizer(null, new OwnGroup()), new DaemonServerOptions(), _log);
        Assert.Equal($"another runa daemon is already listening on {SocketPath}", Assert.Throws<IOException>(() => second.Listen(SocketPath)).Message);

        var stale = Path.Combine(_dir, "stale.sock");
        Sys.ListenSeqPacket(stale, 0x180).Dispose(); // bound, then closed: nothing listens any more
        Assert.True(File.Exists(stale));
        second.Listen(stale);
        Assert.Contains("removing the stale socket", _log.WaitFor("stale", s_timeout));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stale)); // no group: 0600
        await second.StopAsync(TimeSpan.Zero);

        File.WriteAllText(stale, "not a socket");
        var third = new DaemonServer(_system, _system.DeadLetters, TestCatalog.Instance, new PeerAuthorizer(null, new OwnGroup()), new DaemonServerOptions(), _log);
        Assert.Contains("is not a socket", Assert.Throws<IOException>(() => third.Listen(stale)).Message);
    }

    [Fact]
    public void With_a_group_the_socket_is_mode_0660()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(SocketPath));
    }
}
