using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>OOM kills are counted from when the cgroup was set up, and each one is an event.</summary>
public sealed class OomAccountingTests(ITestOutputHelper output) : ContainerScenario(output)
{
    /// <summary>A cgroup path reused from an earlier container may carry its kills: they are not this create's.</summary>
    [Fact]
    public void Kills_from_before_the_cgroup_was_set_up_do_not_make_a_failed_create_an_oom()
    {
        Cgroups.Configure = m => m.OomKills = 3;
        Launcher.Script = f =>
        {
            var init = FakeInit.ThroughPlan(f);
            init.Exit(ExitStatus.Killed(9));
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Contains("exited during setup", e.Message);
        Assert.DoesNotContain("OOM", e.Message);
        AssertNoTraces("c1");
    }

    [Fact]
    public void A_kill_on_top_of_old_kills_makes_a_failed_create_an_oom()
    {
        Cgroups.Configure = m => m.OomKills = 3;
        Launcher.Script = f =>
        {
            var init = FakeInit.ThroughPlan(f);
            Cgroups.Of("c1")!.OomKills = 4;
            init.Exit(ExitStatus.Killed(9));
        };
        Create("c1", Bundle());
        Assert.Equal("container init was OOM-killed (memory limit too low?)", ExpectError(ContainerErrorKind.Failed).Message);
        AssertNoTraces("c1");
    }

    [Fact]
    public void Two_kills_in_one_notification_are_two_oom_events()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var cg = Cgroups.Of("c1")!;
        var subscriber = CreateTestProbe();
        // A long interval: the one stats notice comes at once, then only OOM notices.
        subscriber.Send(Registry, new SubscribeEvents("c1", TimeSpan.FromHours(1)));
        Assert.Equal("stats", subscriber.ExpectMsg<ContainerEventNotice>(Long).Type);
        AwaitCondition(() => cg.OomNotifier is not null, Long);

        cg.OomNotifier!.Fire(2);

        Assert.Equal("oom", subscriber.ExpectMsg<ContainerEventNotice>(Long).Type);
        Assert.Equal("oom", subscriber.ExpectMsg<ContainerEventNotice>(Long).Type);
        subscriber.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        cg.OomNotifier.Fire(1);
        Assert.Equal("oom", subscriber.ExpectMsg<ContainerEventNotice>(Long).Type);
        subscriber.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
