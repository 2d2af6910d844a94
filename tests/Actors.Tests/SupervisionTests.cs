using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Xunit;
using Xunit.Abstractions;
using Native = Runa.Runtime.Interop.Sys;

namespace Runa.Actors.Tests;

/// <summary>ContainerActor's supervision of its children during and after create.</summary>
public sealed class SupervisionTests(ITestOutputHelper output) : ContainerScenario(output)
{
    /// <summary>
    /// ARCHITECTURE.md: "LogForwarder failures restart it (logs are best effort)". Here the log fd
    /// cannot be watched (a regular file: epoll_ctl fails with EPERM in LogForwarder.PreStart).
    /// </summary>
    [Fact]
    public void A_failing_log_forwarder_does_not_fail_the_create()
    {
        var file = Path.Combine(Root, "not-a-pipe");
        File.WriteAllText(file, "");
        Launcher.HostLogFd = () => Native.Open(file, Libc.O_RDONLY);
        var reply = CreateOk("c1");
        Assert.Equal("created", reply.State.Status);
    }

    [Fact]
    public void A_stopped_log_forwarder_does_not_fail_the_create()
    {
        using var go = new ManualResetEventSlim();
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            go.Wait();
            f.SendReady();
        };
        Create("c1", Bundle());
        AwaitCondition(() => Launcher.Of("c1")?.Plan is not null, Long);
        var log = Resolve("/user/containers/c1/log");
        Watch(log);
        log.Tell(PoisonPill.Instance);
        ExpectTerminated(log, Long);
        go.Set();
        Assert.Equal("created", ExpectCreated().State.Status);
    }

    [Fact]
    public void A_stopped_sync_reader_fails_the_create()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Hang();
        };
        Create("c1", Bundle());
        AwaitCondition(() => Launcher.Of("c1")?.Plan is not null, Long);
        Sys.ActorSelection("/user/containers/c1/sync").Tell(PoisonPill.Instance);

        Assert.Equal("sync stopped during setup", ExpectError(ContainerErrorKind.Failed).Message);
        ExpectSenderStops();
        AssertNoTraces("c1");
        Assert.Equal([9], Launcher.Of("c1")!.Init!.Signals);
    }

    [Fact]
    public void A_stopped_init_actor_fails_the_create_and_nothing_is_left()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Hang();
        };
        Create("c1", Bundle());
        AwaitCondition(() => Launcher.Of("c1")?.Plan is not null, Long);
        Sys.ActorSelection("/user/containers/c1/init").Tell(PoisonPill.Instance);

        Assert.Equal("init stopped during setup", ExpectError(ContainerErrorKind.Failed).Message);
        ExpectSenderStops();
        AssertNoTraces("c1");
    }

    /// <summary>
    /// A plan larger than the socket's send buffer makes the sync reader's send fail (EMSGSIZE):
    /// a failing child fails the create, with the stage named, and cleans up.
    /// </summary>
    [Fact]
    public void A_failing_sync_reader_fails_the_create_and_cleans_up()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPid(f);
            f.Hang();
        };
        // ~400 KiB of environment: more than a default AF_UNIX send buffer (net.core.wmem_default) holds.
        var bundle = Bundle(s => s.Process!.Env = [.. Enumerable.Range(0, 4000).Select(i => $"V{i}={new string('x', 100)}")]);
        Create("c1", bundle);
        var e = ExpectError(ContainerErrorKind.Failed);
        // The plan outgrows the socket's buffer: the message says so rather than quoting sendmsg.
        Assert.StartsWith("the Plan message for runa-init is ", e.Message);
        Assert.Contains("more than the sync socket carries", e.Message);
        ExpectSenderStops();
        AssertNoTraces("c1");
    }
}
