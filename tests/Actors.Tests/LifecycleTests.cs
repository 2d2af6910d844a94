using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Sync;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>After create: start, kill, delete, wait, and what the init reports after READY.</summary>
public sealed class LifecycleTests(ITestOutputHelper output) : ContainerScenario(output)
{
    [Fact]
    public void Start_lets_the_init_take_the_go_from_the_fifo_and_the_container_runs()
    {
        CreateOk("c1");
        var fake = Launcher.Of("c1")!;
        Assert.False(fake.TookStart);

        Ask<Done>(new StartContainer("c1"));

        Assert.True(fake.TookStart);
        AwaitCondition(() => fake.Execed, Long);
        Assert.False(File.Exists(Fifo("c1")));
        Assert.Equal("running", State("c1").Status);
        Assert.Equal(["ContainerCreating", "ContainerCreated", "ContainerStarted"], JournalEvents("c1"));
        Assert.Equal("running", Ask<ContainerList>(new ListContainers()).Containers.Single().Status);
    }

    [Fact]
    public void Starting_twice_is_InvalidState()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        Registry.Tell(new StartContainer("c1"));
        Assert.Equal("cannot start an already running container", ExpectError(ContainerErrorKind.InvalidState).Message);
    }

    [Fact]
    public void Start_times_out_if_the_init_never_takes_the_go_and_can_be_retried()
    {
        Settings = Settings with { StartTimeout = TimeSpan.FromSeconds(1) };
        using var go = new ManualResetEventSlim();
        Launcher.Script = f =>
        {
            FakeInit.UpToReady(f);
            go.Wait();
            if (f.WaitForStart())
            {
                f.Exec();
            }
        };
        CreateOk("c1");

        Registry.Tell(new StartContainer("c1"));
        Assert.Equal("timed out after 1s waiting for the container init to take the start", ExpectError(ContainerErrorKind.Failed).Message);
        Assert.Equal("created", State("c1").Status);

        go.Set();
        Ask<Done>(new StartContainer("c1"));
        Assert.Equal("running", State("c1").Status);
    }

    [Fact]
    public void An_init_that_closes_the_fifo_without_its_byte_does_not_start()
    {
        Launcher.Script = f =>
        {
            FakeInit.UpToReady(f);
            f.WaitForStart(writeByte: false);
        };
        CreateOk("c1");
        Registry.Tell(new StartContainer("c1"));
        Assert.Equal("the container init closed the exec fifo without starting", ExpectError(ContainerErrorKind.Failed).Message);
        Assert.True(File.Exists(Fifo("c1")));
    }

    [Fact]
    public void Starting_a_container_whose_init_died_is_InvalidState()
    {
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        init.Exit(ExitStatus.Killed(9));
        Registry.Tell(new StartContainer("c1"));
        Assert.Equal("cannot start a container that has stopped", ExpectError(ContainerErrorKind.InvalidState).Message);
        Assert.Equal("stopped", State("c1").Status);
        Assert.Equal(0, State("c1").Pid);
    }

    [Fact]
    public void The_init_dying_while_start_waits_fails_the_start()
    {
        using var die = new ManualResetEventSlim();
        Launcher.Script = f =>
        {
            var init = FakeInit.UpToReady(f);
            die.Wait();
            init.Exit(ExitStatus.Exited(1));
        };
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        Registry.Tell(new StartContainer("c1"));
        // The start attached (without reaping) to the init: now it waits on the fifo and the exit.
        AwaitCondition(() => Processes.Attaches.Any(a => a.Pid == init.Pid && !a.Reap), Long);
        die.Set();
        Assert.Equal("the container init exited before it could be started", ExpectError(ContainerErrorKind.Failed).Message);
        // Its handle on the init is let go: nothing listens for the exit any more.
        AwaitCondition(() => init.ExitListeners == 0, Long);
    }

    [Fact]
    public void Kill_of_a_created_container_reaches_the_init()
    {
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        Ask<Done>(new KillContainer("c1", 15));
        Assert.Equal([15], init.Signals);
        // runa-init's handler: _exit(128 + sig).
        Assert.Equal(ExitStatus.Exited(143), init.ExitStatus);
        AwaitAssert(() => Assert.Equal("stopped", State("c1").Status), Long);
        AwaitAssert(() => Assert.Equal("ContainerExited", JournalEvents("c1")[^1]), Long);
    }

    [Fact]
    public void Kill_of_a_running_container_and_wait_for_its_exit()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var init = Launcher.Of("c1")!.Init!;
        Registry.Tell(new WaitContainer("c1"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Registry.Tell(new KillContainer("c1", 9));
        var replies = ReceiveN(2, Long);
        Assert.Contains(Done.Instance, replies);
        var exited = Assert.Single(replies.OfType<ContainerExitedReply>());
        Assert.Equal(new ContainerExitedReply("c1", ExitStatus.Killed(9), null), exited);
        Assert.Equal([9], init.Signals);
    }

    [Fact]
    public void A_signal_the_init_ignores_is_delivered_and_it_keeps_running()
    {
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        Ask<Done>(new KillContainer("c1", 28 /* SIGWINCH */));
        Assert.Equal([28], init.Signals);
        Assert.False(init.HasExited);
        Assert.Equal("created", State("c1").Status);
    }

    [Fact]
    public void Kill_of_a_stopped_container_is_InvalidState()
    {
        CreateOk("c1");
        Launcher.Of("c1")!.Init!.Exit(ExitStatus.Exited(0));
        Registry.Tell(new KillContainer("c1", 15));
        Assert.Equal("container not running", ExpectError(ContainerErrorKind.InvalidState).Message);
    }

    /// <summary>The init died and its pid went to another process: pid + start time tell them apart.</summary>
    [Fact]
    public void A_reused_pid_is_not_mistaken_for_the_init()
    {
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        init.Exit(ExitStatus.Killed(9));
        var impostor = Processes.AddRunning(init.Pid, "someone else");

        Assert.Equal("stopped", State("c1").Status);
        Registry.Tell(new KillContainer("c1", 9));
        Assert.Equal("container not running", ExpectError(ContainerErrorKind.InvalidState).Message);
        Registry.Tell(new StartContainer("c1"));
        ExpectError(ContainerErrorKind.InvalidState);
        Ask<Done>(new DeleteContainer("c1"));

        Assert.Empty(impostor.Signals);
        Assert.False(impostor.HasExited);
        Assert.DoesNotContain(Processes.Attaches, a => a.Pid == init.Pid && a.StartTime == impostor.StartTime);
    }

    /// <summary>kill --all asks the cgroup for its processes (the signals themselves go to kill(2), which has no seam).</summary>
    [Fact]
    public void Kill_all_lists_the_processes_of_the_cgroup()
    {
        CreateOk("c1");
        Ask<Done>(new KillContainer("c1", 15, All: true));
        Assert.Contains("GetAllPids", Cgroups.Of("c1")!.Calls);
    }

    [Fact]
    public void Wait_reports_the_exit_status_of_the_init_and_the_container_stops()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var init = Launcher.Of("c1")!.Init!;
        Registry.Tell(new WaitContainer("c1"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        init.Exit(ExitStatus.Exited(3));
        Assert.Equal(new ContainerExitedReply("c1", ExitStatus.Exited(3), null), ExpectMsg<ContainerExitedReply>(Long));

        // Asked again after the exit: the same answer at once.
        Assert.Equal(new ContainerExitedReply("c1", ExitStatus.Exited(3), null), Ask<ContainerExitedReply>(new WaitContainer("c1")));
        var state = State("c1");
        Assert.Equal("stopped", state.Status);
        Assert.Equal(0, state.Pid);
        AwaitAssert(() => Assert.Equal(["ContainerCreating", "ContainerCreated", "ContainerStarted", "ContainerExited"], JournalEvents("c1")), Long);
    }

    [Fact]
    public void An_exec_error_after_ready_shows_up_in_the_wait_reply()
    {
        Launcher.Script = f =>
        {
            FakeInit.UpToReady(f);
            f.WaitForStart();
            f.Bail(f.PlanIndexOf(PlanOp.Exec), Errno.ENOENT, "exec /bin/sh", 127);
        };
        CreateOk("c1");
        Registry.Tell(new WaitContainer("c1"));
        Registry.Tell(new StartContainer("c1"));
        // (What start replies when the init dies right after taking the go is the next test's matter.)
        var replies = ReceiveN(2, Long);
        var exited = Assert.Single(replies.OfType<ContainerExitedReply>());
        Assert.Equal(ExitStatus.Exited(127), exited.Status);
        Assert.Equal($"exec /bin/sh: {Errno.Describe(Errno.ENOENT)}", exited.ExecError);
        Assert.True(Launcher.Of("c1")!.TookStart);
    }

    /// <summary>
    /// The init took the go (its byte is in the fifo), then its exec failed and it exited at once.
    /// The start did happen: start must say Done however the fifo's readiness and the exit are
    /// ordered on the epoll loop. That order is up to the threads, so many starts run at once, several times.
    /// </summary>
    [Fact]
    public void Start_is_done_when_the_init_took_the_go_even_if_it_exits_right_after()
    {
        Launcher.Script = f =>
        {
            FakeInit.UpToReady(f);
            f.WaitForStart();
            f.Bail(f.PlanIndexOf(PlanOp.Exec), Errno.ENOENT, "exec /bin/sh", 127);
        };
        var bundle = Bundle();
        const int Rounds = 3, Starts = 20;
        for (var round = 0; round < Rounds; round++)
        {
            var ids = Enumerable.Range(0, Starts).Select(i => $"r{round}-{i}").ToList();
            foreach (var id in ids)
            {
                Create(id, bundle);
            }
            ReceiveN(Starts, TimeSpan.FromSeconds(30)).ToList().ForEach(m => Assert.IsType<ContainerCreatedReply>(m));
            foreach (var id in ids)
            {
                Registry.Tell(new StartContainer(id));
            }
            var replies = ReceiveN(Starts, TimeSpan.FromSeconds(30));
            Assert.All(ids, id => Assert.True(Launcher.Of(id)!.TookStart));
            var wrong = replies.Where(r => r is not Done).ToList();
            Assert.True(wrong.Count == 0, $"round {round}: every init took the go, but {wrong.Count} of {Starts} starts replied {wrong.FirstOrDefault()}");
            Assert.All(ids, id => Assert.False(File.Exists(Fifo(id)), $"the fifo of {id} is left"));
        }
    }

    [Fact]
    public void Delete_of_a_created_container_kills_the_init_and_removes_everything()
    {
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        Ask<Done>(new DeleteContainer("c1"));
        ExpectSenderStops();

        Assert.Equal([9], init.Signals);
        Assert.Equal(ExitStatus.Killed(9), init.ExitStatus);
        Assert.False(init.KilledByCgroup);
        AssertNoTraces("c1");
        Assert.Empty(Ask<ContainerList>(new ListContainers()).Containers);
        Registry.Tell(new GetContainerState("c1"));
        ExpectError(ContainerErrorKind.NotFound);

        // The id is free again.
        Assert.Equal("created", CreateOk("c1").State.Status);
    }

    [Fact]
    public void Delete_of_a_running_container_needs_force()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var init = Launcher.Of("c1")!.Init!;

        Registry.Tell(new DeleteContainer("c1"));
        Assert.Equal("cannot delete container c1 that is not stopped: running", ExpectError(ContainerErrorKind.InvalidState).Message);
        Assert.Empty(init.Signals);
        Assert.Equal("running", State("c1").Status);
        Assert.DoesNotContain("Destroy", Cgroups.Of("c1")!.Calls);

        Ask<Done>(new DeleteContainer("c1", Force: true));
        ExpectSenderStops();
        Assert.Equal([9], init.Signals);
        AssertNoTraces("c1");
    }

    [Fact]
    public void Delete_of_a_stopped_container_signals_nothing()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var init = Launcher.Of("c1")!.Init!;
        Registry.Tell(new WaitContainer("c1"));
        init.Exit(ExitStatus.Exited(0));
        ExpectMsg<ContainerExitedReply>(Long);

        Ask<Done>(new DeleteContainer("c1"));
        Assert.Empty(init.Signals);
        AssertNoTraces("c1");
    }

    [Fact]
    public void Delete_of_a_paused_container_needs_force_and_thaws_before_the_kill()
    {
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var cg = Cgroups.Of("c1")!;
        cg.Freezer = FreezerState.Frozen;
        Assert.Equal("paused", State("c1").Status);

        Registry.Tell(new DeleteContainer("c1"));
        Assert.Equal("cannot delete container c1 that is not stopped: paused", ExpectError(ContainerErrorKind.InvalidState).Message);

        Ask<Done>(new DeleteContainer("c1", Force: true));
        var calls = cg.Calls.ToList();
        Assert.True(calls.IndexOf("Thaw") >= 0 && calls.IndexOf("Thaw") < calls.IndexOf("Destroy"), string.Join(", ", calls));
        AssertNoTraces("c1");
    }

    [Fact]
    public void Delete_fails_and_keeps_the_container_if_the_init_outlives_sigkill()
    {
        Settings = Settings with { KillTimeout = TimeSpan.FromSeconds(1) };
        CreateOk("c1");
        var init = Launcher.Of("c1")!.Init!;
        init.OnSignal = FakeProcess.Unkillable;

        Registry.Tell(new DeleteContainer("c1"));
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"delete container c1: the container init (pid {init.Pid}) did not exit within 1s of SIGKILL", e.Message);
        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
        Assert.True(Directory.Exists(StateDir("c1")));

        // Once it finally dies, delete goes through.
        init.Exit(ExitStatus.Killed(9));
        Ask<Done>(new DeleteContainer("c1"));
        AssertNoTraces("c1");
    }

    [Fact]
    public void An_oom_kill_after_start_is_reported()
    {
        var logs = LogProbe();
        CreateOk("c1");
        Ask<Done>(new StartContainer("c1"));
        var cg = Cgroups.Of("c1")!;
        AwaitCondition(() => cg.OomNotifier is not null, Long);
        cg.OomNotifier!.Fire(2);
        logs.FishForMessage<LogEvent>(e => e.Level == LogLevel.Info && e.Message == "container c1: 2 process(es) OOM-killed", Long);
        Assert.Equal("running", State("c1").Status);
    }

    [Fact]
    public void The_oom_watch_ends_with_the_delete()
    {
        CreateOk("c1");
        var cg = Cgroups.Of("c1")!;
        AwaitCondition(() => cg.OomNotifier is not null, Long);
        Ask<Done>(new DeleteContainer("c1"));
        Assert.True(cg.OomNotifier!.Disposed);
    }

    [Fact]
    public void Commands_sent_while_creating_wait_for_the_create()
    {
        using var go = new ManualResetEventSlim();
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            go.Wait();
            f.SendReady();
            if (f.WaitForStart())
            {
                f.Exec();
            }
        };
        Create("c1", Bundle());
        AwaitCondition(() => Launcher.Of("c1")?.Plan is not null, Long);
        Registry.Tell(new GetContainerState("c1"));
        Registry.Tell(new StartContainer("c1"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        go.Set();
        ExpectCreated();
        Assert.Equal("created", ExpectMsg<ContainerStateView>(Long).Status);
        ExpectMsg<Done>(Long);
        Assert.Equal("running", State("c1").Status);
    }
}
