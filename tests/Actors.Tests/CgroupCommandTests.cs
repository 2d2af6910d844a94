using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Oci;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>The commands built on a container's cgroup: pause, resume, update, ps, stats.</summary>
public sealed class CgroupCommandTests(ITestOutputHelper output) : ContainerScenario(output)
{
    [Fact]
    public void Pause_freezes_and_resume_thaws_the_cgroup()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var cg = Cgroups.Of("c1")!;

        Ask<Done>(new PauseContainer("c1"));
        Assert.Equal(FreezerState.Frozen, cg.Freezer);
        Assert.Equal("paused", State("c1").Status);

        Ask<Done>(new ResumeContainer("c1"));
        Assert.Equal(FreezerState.Thawed, cg.Freezer);
        Assert.Equal("running", State("c1").Status);
        Assert.Equal(["Freeze", "Thaw"], cg.Calls.Where(c => c is "Freeze" or "Thaw"));
        Assert.Equal(["ContainerCreating", "ContainerCreated", "ContainerStarted", "ContainerPaused", "ContainerResumed"], JournalEvents("c1"));
    }

    [Fact]
    public void Pausing_a_stopped_container_fails_naming_its_state()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        Launcher.Of("c1")!.Init!.Exit(ExitStatus.Exited(0));
        AwaitCondition(() => State("c1").Status == "stopped", Long);

        Registry.Tell(new PauseContainer("c1"));
        Assert.Equal("container not running (it is stopped)", ExpectError(ContainerErrorKind.InvalidState).Message);
        Assert.DoesNotContain("Freeze", Cgroups.Of("c1")!.Calls);
    }

    [Fact]
    public void Resuming_a_running_container_fails()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        Registry.Tell(new ResumeContainer("c1"));
        Assert.Equal("container not paused", ExpectError(ContainerErrorKind.InvalidState).Message);
        Assert.DoesNotContain("Thaw", Cgroups.Of("c1")!.Calls);
    }

    [Fact]
    public void An_update_with_an_invalid_resource_is_InvalidInput_naming_the_field_and_writes_nothing()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var cg = Cgroups.Of("c1")!;
        var before = cg.LastResources;
        var setsBefore = cg.Calls.Count(c => c == "Set");

        Registry.Tell(new UpdateContainer("c1", new LinuxResources { Pids = new PidsResources { Limit = 0 } }));
        var e = ExpectError(ContainerErrorKind.InvalidInput);

        Assert.Contains("linux.resources.pids.limit", e.Message);
        Assert.Contains("got 0", e.Message);
        Assert.Same(before, cg.LastResources);
        Assert.Equal(setsBefore, cg.Calls.Count(c => c == "Set"));
    }

    [Fact]
    public void A_valid_update_reaches_the_cgroup()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var resources = new LinuxResources { Pids = new PidsResources { Limit = 42 } };
        Ask<ContainerUpdatedReply>(new UpdateContainer("c1", resources));
        Assert.Equal(42, Cgroups.Of("c1")!.LastResources!.Pids!.Limit);
    }

    [Fact]
    public void Pids_lists_the_processes_of_the_cgroup()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var init = Launcher.Of("c1")!.Init!;
        var pids = Ask<ContainerPidsReply>(new GetContainerPids("c1")).Pids;
        Assert.Contains(init.Pid, pids);
        Assert.Contains("GetAllPids", Cgroups.Of("c1")!.Calls);
    }

    [Fact]
    public void Stats_are_the_cgroup_stats_as_a_stats_notice()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var stats = new CgroupStats();
        stats.Pids.Current = 3;
        Cgroups.Of("c1")!.Stats = stats;

        var notice = Ask<ContainerEventNotice>(new GetContainerStats("c1"));

        Assert.Equal("stats", notice.Type);
        Assert.Equal("c1", notice.Id);
        Assert.Same(stats, notice.Data);
    }

    [Fact]
    public void Stats_of_a_stopped_container_fail()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        Launcher.Of("c1")!.Init!.Exit(ExitStatus.Exited(0));
        AwaitCondition(() => State("c1").Status == "stopped", Long);
        Registry.Tell(new GetContainerStats("c1"));
        Assert.Equal("container not running", ExpectError(ContainerErrorKind.InvalidState).Message);
    }
}
