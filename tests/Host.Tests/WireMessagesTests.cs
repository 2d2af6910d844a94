using System.Text;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Xunit;

namespace Runa.Host.Tests;

public sealed class WireMessagesTests
{
    private static object RoundTrip(object message, out long? timeoutMs, IReadOnlyList<SafeFd>? extraFds = null)
    {
        var payload = WireMessages.Encode(WireCatalog.Default, message, 2500, out var fds);
        using var frame = new Frame(FrameType.Request, 7, payload, extraFds ?? fds);
        return WireMessages.Decode(WireCatalog.Default, frame, out timeoutMs);
    }

    public static TheoryData<object> Commands() => new()
    {
        new StartContainer("a"),
        new GetContainerState("b"),
        new KillContainer("c", 9, All: true),
        new DeleteContainer("d", Force: true),
        new WaitContainer("e"),
        new ListContainers(),
        Done.Instance,
        new ContainerExitedReply("f", ExitStatus.Killed(9, core: true), "exec failed"),
        new ContainerExitedReply("g", null, null),
        new WaitExec("h", 1234),
        new SignalExec("i", 1234, 15),
        new ExecExitedReply("j", 1234, ExitStatus.Exited(7)),
        new ExecExitedReply("k", 1234, null),
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Commands_and_replies_round_trip(object message)
    {
        var back = RoundTrip(message, out var timeout);
        Assert.Equal(message, back);
        Assert.Equal(2500, timeout);
    }

    [Fact]
    public void A_state_view_and_a_list_round_trip_with_every_field()
    {
        var view = new ContainerStateView
        {
            Id = "x", Pid = 42, Status = "running", Bundle = "/b", Rootfs = "/b/rootfs",
            Created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), Owner = "root",
            Annotations = new() { ["k"] = "v" },
        };
        var list = (ContainerList)RoundTrip(new ContainerList([view, view with { Id = "y", Annotations = null }]), out _);
        Assert.Equal(2, list.Containers.Count);
        Assert.Equal(view.Created, list.Containers[0].Created);
        Assert.Equal("v", list.Containers[0].Annotations!["k"]);
        Assert.Equal(view with { Annotations = null }, list.Containers[0] with { Annotations = null });
        Assert.Equal("y", list.Containers[1].Id);
    }

    [Fact]
    public void A_create_sends_its_stdio_as_fds_and_gets_them_back_in_order()
    {
        var pipes = Enumerable.Range(0, 3).Select(_ => Sys.Pipe()).ToList();
        var create = new CreateContainer("c", "/bundle") { Stdio = pipes.Select(p => p.Write).ToList(), PidFile = "/p", KeepConsole = true, NoPivot = true };
        var payload = WireMessages.Encode(WireCatalog.Default, create, null, out var fds);
        Assert.Equal(pipes.Select(p => p.Write), fds);
        Assert.DoesNotContain("Stdio", Encoding.UTF8.GetString(payload));

        using var frame = new Frame(FrameType.Request, 1, payload, fds);
        var back = (CreateContainer)WireMessages.Decode(WireCatalog.Default, frame, out var timeout);
        Assert.Null(timeout);
        Assert.Equal(create.Stdio, back.Stdio);
        Assert.Equal(create with { Stdio = null }, back with { Stdio = null });
        Assert.Empty(frame.Fds);
        foreach (var (r, w) in pipes)
        {
            r.Dispose();
            w.Dispose();
        }
    }

    [Fact]
    public void A_created_reply_carries_the_console_as_an_fd()
    {
        var (r, w) = Sys.Pipe();
        var state = new ContainerStateView { Id = "c", Status = "created", Bundle = "/b", Rootfs = "/b/r" };
        var payload = WireMessages.Encode(WireCatalog.Default, new ContainerCreatedReply(state, r), null, out var fds);
        Assert.Same(r, Assert.Single(fds));
        using var frame = new Frame(FrameType.Reply, 1, payload, fds);
        var back = (ContainerCreatedReply)WireMessages.Decode(WireCatalog.Default, frame, out _);
        Assert.Same(r, back.Console);
        Assert.Equal(state, back.State);
        r.Dispose();
        w.Dispose();
    }

    [Fact]
    public void An_exec_request_sends_its_stdio_as_fds_and_keeps_every_override()
    {
        var pipes = Enumerable.Range(0, 3).Select(_ => Sys.Pipe()).ToList();
        var exec = new ExecInContainer("c")
        {
            Args = ["sh", "-c", "echo hi"], Cwd = "/tmp", Env = ["A=1"], Uid = 1000, Gid = 1001, AdditionalGids = [5, 6],
            Caps = ["CAP_NET_RAW"], NoNewPrivileges = true, Tty = true, ConsoleSocket = "/s", PidFile = "/p",
            KeepConsole = true, ProcessJson = "{\"args\":[\"true\"]}",
            Stdio = pipes.Select(p => p.Write).ToList(),
        };
        var payload = WireMessages.Encode(WireCatalog.Default, exec, null, out var fds);
        Assert.Equal(pipes.Select(p => p.Write), fds);
        using var frame = new Frame(FrameType.Request, 1, payload, fds);
        var back = (ExecInContainer)WireMessages.Decode(WireCatalog.Default, frame, out _);
        Assert.Equal(exec.Stdio, back.Stdio);
        Assert.Equal(exec.Args, back.Args);
        Assert.Equal(exec.Env, back.Env);
        Assert.Equal(exec.AdditionalGids, back.AdditionalGids);
        Assert.Equal(exec.Caps, back.Caps);
        Assert.Equal(exec with { Stdio = null, Args = null, Env = null, AdditionalGids = null, Caps = null },
            back with { Stdio = null, Args = null, Env = null, AdditionalGids = null, Caps = null });
        foreach (var (r, w) in pipes)
        {
            r.Dispose();
            w.Dispose();
        }
    }

    [Fact]
    public void Preserved_fds_travel_after_stdio_and_a_short_list_is_refused()
    {
        var pipes = Enumerable.Range(0, 5).Select(_ => Sys.Pipe()).ToList();
        var exec = new ExecInContainer("c") { Args = ["true"], Stdio = pipes.Select(p => p.Write).ToList() };
        var payload = WireMessages.Encode(WireCatalog.Default, exec, null, out var fds);
        Assert.Equal(5, fds.Count);
        using (var frame = new Frame(FrameType.Request, 1, payload, fds))
        {
            Assert.Equal(exec.Stdio, ((ExecInContainer)WireMessages.Decode(WireCatalog.Default, frame, out _)).Stdio);
        }
        var create = WireMessages.Encode(WireCatalog.Default, new CreateContainer("c", "/b"), null, out _);
        using (var frame = new Frame(FrameType.Request, 2, create, [pipes[0].Read, pipes[1].Read]))
        {
            Assert.Contains("3 stdio fds", Assert.Throws<ProtocolException>(() => WireMessages.Decode(WireCatalog.Default, frame, out _)).Message);
        }
        foreach (var (r, w) in pipes)
        {
            r.Dispose();
            w.Dispose();
        }
    }

    [Fact]
    public void An_exec_started_reply_carries_the_console_as_an_fd()
    {
        var (r, w) = Sys.Pipe();
        var payload = WireMessages.Encode(WireCatalog.Default, new ExecStartedReply("c", 4321, r), null, out var fds);
        Assert.Same(r, Assert.Single(fds));
        using var frame = new Frame(FrameType.Reply, 1, payload, fds);
        var back = (ExecStartedReply)WireMessages.Decode(WireCatalog.Default, frame, out _);
        Assert.Same(r, back.Console);
        Assert.Equal(4321, back.Pid);
        var none = (ExecStartedReply)RoundTrip(new ExecStartedReply("c", 1, null), out _);
        Assert.Null(none.Console);
        r.Dispose();
        w.Dispose();
    }

    [Fact]
    public void Fds_on_a_message_that_carries_none_are_refused_and_closed()
    {
        var (r, w) = Sys.Pipe();
        var payload = WireMessages.Encode(WireCatalog.Default, new StartContainer("a"), null, out _);
        using var frame = new Frame(FrameType.Request, 1, payload, [r]);
        Assert.Contains("carries no fds", Assert.Throws<ProtocolException>(() => WireMessages.Decode(WireCatalog.Default, frame, out _)).Message);
        Assert.True(r.IsClosed);
        w.Dispose();
    }

    [Theory]
    [InlineData("not json", "malformed")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"message\":{},\"type\":\"StartContainer\"}", "before \"type\"")]
    [InlineData("{\"type\":\"StartContainer\"}", "has no \"message\"")]
    [InlineData("{\"type\":\"CreateContainer\",\"message\":{\"Id\":\"a\",\"Bundle\":\"/b\",\"Stdio\":[3,4,5]}}", "malformed")]
    [InlineData("{\"type\":\"StartContainer\",\"message\":{\"Id\":\"a\"}} trailing", "malformed")]
    [InlineData("{\"type\":\"StartContainer\",\"timeoutMs\":-1,\"message\":{\"Id\":\"a\"}}", "timeoutMs")]
    public void Malformed_payloads_are_protocol_errors(string json, string expected)
    {
        using var frame = new Frame(FrameType.Request, 1, Encoding.UTF8.GetBytes(json));
        Assert.Contains(expected, Assert.Throws<ProtocolException>(() => WireMessages.Decode(WireCatalog.Default, frame, out _)).Message);
    }

    [Fact]
    public void An_unknown_type_is_named_not_a_protocol_error()
    {
        using var frame = new Frame(FrameType.Request, 1, "{\"type\":\"LaunchRocket\",\"message\":{\"Id\":\"a\"}}"u8.ToArray());
        Assert.Equal("LaunchRocket", Assert.Throws<UnknownWireTypeException>(() => WireMessages.Decode(WireCatalog.Default, frame, out _)).TypeName);
    }

    [Fact]
    public void A_type_outside_the_catalog_cannot_be_sent() =>
        Assert.Throws<NotSupportedException>(() => WireMessages.Encode(WireCatalog.Default, new object(), null, out _));

    [Fact]
    public void Failures_come_back_as_the_exceptions_embedded_mode_throws()
    {
        var container = WireMessages.ToException(WireMessages.Failure(
            new ContainerException(ContainerErrorKind.Failed, "unable to start container process: exec: \"nope\": executable file not found in $PATH") { ProcessExitCode = 127 }));
        var c = Assert.IsType<ContainerException>(container);
        Assert.Equal(ContainerErrorKind.Failed, c.Kind);
        Assert.Equal(127, c.ProcessExitCode);
        Assert.StartsWith("unable to start container process", c.Message);

        var notFound = Assert.IsType<ContainerException>(WireMessages.ToException(WireMessages.Failure(
            new AggregateException(new ContainerException(ContainerErrorKind.NotFound, "container x does not exist")))));
        Assert.Equal(ContainerErrorKind.NotFound, notFound.Kind);
        Assert.Null(notFound.ProcessExitCode);

        var timeout = WireMessages.ToException(WireMessages.Failure(new AskTimeoutException("Ask timed out")));
        Assert.Equal("no answer in time (Ask timed out)", CliError.Describe(timeout));

        var other = WireMessages.ToException(WireMessages.Failure(new IOException("disk on fire")));
        Assert.Equal("disk on fire", CliError.Describe(other));
    }
}
