using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Sync;
using Xunit;
using Xunit.Abstractions;

namespace Runa.Actors.Tests;

/// <summary>
/// `runa exec` against the fake runa-init in exec mode: the ExecProcess child launches it without
/// an exec fifo, moves stage 0 into the container's cgroup, has it join the init's namespaces,
/// sends the plan once the process is attached, and replies when the socket closes; then it
/// answers WaitExec and SignalExec. The container itself is never disturbed.
/// </summary>
public sealed class ExecScenarioTests(ITestOutputHelper output) : ContainerScenario(output)
{
    private const string NotFoundText = "exec: \"nope\": executable file not found in $PATH";

    private static string Describe(int errno) => $"{Errno.Describe(errno)} ({Errno.Name(errno)})";

    private static ExecInContainer Sh(string id = "c1") => new(id) { Args = ["sh"], KeepConsole = true };

    /// <summary>A created and started container: its fake runa-init, whose init runs the container's process.</summary>
    private FakeInit Running(string id = "c1")
    {
        CreateOk(id);
        Ask<Done>(new StartContainer(id));
        var fake = Launcher.Of(id)!;
        AwaitCondition(() => fake.Execed, Long);
        return fake;
    }

    /// <summary>The container is as it was: same status, same init pid, the init alive, its cgroup not destroyed.</summary>
    private void AssertContainerUnaffected(FakeInit container, string status = "running")
    {
        var state = State(container.ContainerId);
        Assert.Equal(status, state.Status);
        Assert.Equal(container.Init!.Pid, state.Pid);
        Assert.False(container.Init.HasExited);
        Assert.False(Cgroups.Of(container.ContainerId)!.Destroyed);
    }

    [Fact]
    public void An_exec_in_a_running_container_joins_its_namespaces_and_cgroup_and_its_exit_status_reaches_the_wait()
    {
        var container = Running();
        var initPid = container.Init!.Pid;
        var pidFile = Path.Combine(Root, "exec.pid");

        var started = Ask<ExecStartedReply>(Sh() with { PidFile = pidFile });

        var exec = Assert.Single(Launcher.Execs);
        var process = exec.Process!;
        Assert.Equal(new ExecStartedReply("c1", process.Pid, null), started);
        Assert.True(exec.IsExec);
        Assert.Equal("c1", exec.ContainerId);
        Assert.True(exec.Execed);
        Assert.False(process.HasExited);
        Assert.Equal(ExitStatus.Exited(0), exec.Stage0.ExitStatus);
        Assert.Equal(process.Pid.ToString(), File.ReadAllText(pidFile));
        // Attached by pid and start time, to be reaped by the exec.
        Assert.Contains(Processes.Attaches, a => a.Pid == process.Pid && a.StartTime == process.StartTime && a.Reap);

        // Stage 0 was moved into the container's cgroup before the bootstrap: the process was born there.
        var cg = Cgroups.Of("c1")!;
        Assert.Contains($"Apply {exec.Stage0.Pid}", cg.Calls);
        Assert.Contains(process.Pid, cg.Members);

        // The bootstrap joins every namespace of the container's init (the user one last, if any), and clones into none.
        Assert.Equal(initPid, exec.JoinedInitPid);
        var joins = exec.Bootstrap!.Where(op => op.BootstrapCode == BootstrapOp.JoinNamespace).Select(op => op.Str(1)).ToList();
        Assert.Equal(new[] { "ipc", "uts", "net", "pid", "mnt", "cgroup" }.Select(ns => $"/proc/{initPid}/ns/{ns}"), joins);
        Assert.Equal(BootstrapOp.CloneFlags, exec.Bootstrap![^1].BootstrapCode);
        Assert.Equal(0UL, exec.Bootstrap[^1].U64(0));

        // The plan sets up the process only (no mounts, no pivot_root) and ends in EXEC_NOW: no fifo to wait on.
        var last = exec.Plan![^1];
        Assert.Equal(PlanOp.ExecNow, last.PlanCode);
        Assert.Equal(1UL, last.U64(0));
        Assert.Equal("sh", last.Str(1));
        Assert.DoesNotContain(exec.Plan, op => op.PlanCode is PlanOp.Exec or PlanOp.Mount or PlanOp.PivotRoot or PlanOp.Rootfs);
        Assert.Contains(exec.Plan, op => op.PlanCode == PlanOp.Resolve && op.Str(0) == "sh");

        // The wait comes before the exit: the SignalExec behind it is answered only once the wait is registered.
        Registry.Tell(new WaitExec("c1", process.Pid));
        Ask<Done>(new SignalExec("c1", process.Pid, 28 /* SIGWINCH, ignored */));
        Assert.Equal([28], process.Signals);
        Assert.False(process.HasExited);

        process.Exit(ExitStatus.Exited(3));
        Assert.Equal(new ExecExitedReply("c1", process.Pid, ExitStatus.Exited(3)), ExpectMsg<ExecExitedReply>(Long));
        // The exec actor is gone; the container actor still knows how the process ended.
        var execActor = LastSender;
        Watch(execActor);
        ExpectTerminated(execActor, Long);
        Assert.Equal(new ExecExitedReply("c1", process.Pid, ExitStatus.Exited(3)), Ask<ExecExitedReply>(new WaitExec("c1", process.Pid)));
        Registry.Tell(new SignalExec("c1", process.Pid, 15));
        Assert.Equal($"process {process.Pid} of container c1 has exited", ExpectError(ContainerErrorKind.InvalidState).Message);

        AssertContainerUnaffected(container);
        Assert.Equal(["ContainerCreating", "ContainerCreated", "ContainerStarted"], JournalEvents("c1"));
    }

    [Fact]
    public void A_foreground_exec_keeps_the_exit_status_for_a_wait_that_comes_after_the_exit()
    {
        var container = Running();
        var started = Ask<ExecStartedReply>(Sh());
        var process = Launcher.Execs.Single().Process!;
        Assert.Equal(process.Pid, started.Pid);

        process.Exit(ExitStatus.Exited(3));
        // The exec's handle has been told of the exit (the exec actor hears of it right after).
        AwaitCondition(() => process.ExitListeners == 0, Long);

        Assert.Equal(new ExecExitedReply("c1", process.Pid, ExitStatus.Exited(3)), Ask<ExecExitedReply>(new WaitExec("c1", process.Pid)));
        AssertContainerUnaffected(container);
    }

    [Fact]
    public void A_wait_racing_the_end_of_an_exec_is_answered_with_its_status()
    {
        var container = Running();
        var started = Ask<ExecStartedReply>(Sh() with { KeepConsole = false });
        var execActor = LastSender;
        var process = Launcher.Execs.Single().Process!;
        Assert.Equal(process.Pid, started.Pid);
        Watch(execActor);

        process.Exit(ExitStatus.Exited(0));

        // Waits sent while the exec actor ends, and after: none is lost to the dead letters.
        var probes = Enumerable.Range(0, 20).Select(_ => CreateTestProbe()).ToList();
        foreach (var probe in probes)
        {
            Registry.Tell(new WaitExec("c1", process.Pid), probe.Ref);
        }
        ExpectTerminated(execActor, Long);
        foreach (var probe in probes)
        {
            Assert.Equal(new ExecExitedReply("c1", process.Pid, ExitStatus.Exited(0)), probe.ExpectMsg<ExecExitedReply>(Long));
        }
        AssertContainerUnaffected(container);
    }

    [Fact]
    public void SignalExec_reaches_the_exec_process_and_the_wait_sees_it_killed()
    {
        var container = Running();
        var pid = Ask<ExecStartedReply>(Sh()).Pid;
        var process = Launcher.Execs.Single().Process!;

        Ask<Done>(new SignalExec("c1", pid, 15));

        Assert.Equal([15], process.Signals);
        // After its exec the process has default dispositions: SIGTERM kills it.
        Assert.Equal(ExitStatus.Killed(15), process.ExitStatus);
        Assert.Equal(new ExecExitedReply("c1", pid, ExitStatus.Killed(15)), Ask<ExecExitedReply>(new WaitExec("c1", pid)));
        // The container's init got nothing.
        Assert.Empty(container.Init!.Signals);
        AssertContainerUnaffected(container);
    }

    [Fact]
    public void WaitExec_and_SignalExec_of_a_pid_no_exec_started_are_NotFound()
    {
        var container = Running();
        var pid = Ask<ExecStartedReply>(Sh()).Pid;
        var initPid = container.Init!.Pid;

        foreach (var other in new[] { pid + 1000, initPid })
        {
            Registry.Tell(new WaitExec("c1", other));
            Assert.Equal($"container c1 has no process {other} started by exec", ExpectError(ContainerErrorKind.NotFound).Message);
            Registry.Tell(new SignalExec("c1", other, 9));
            Assert.Equal($"container c1 has no process {other} started by exec", ExpectError(ContainerErrorKind.NotFound).Message);
        }

        // Nothing was signalled: not the exec's process, not the container's init.
        Assert.Empty(Launcher.Execs.Single().Process!.Signals);
        Assert.Empty(container.Init.Signals);
        AssertContainerUnaffected(container);
    }

    /// <summary>runa-init's RESOLVE bails: ERROR, then the process exits 127.</summary>
    [Fact]
    public void An_executable_that_is_not_found_fails_the_exec_with_127()
    {
        var container = Running();
        var pidFile = Path.Combine(Root, "exec.pid");
        Launcher.ExecScript = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Bail(f.PlanIndexOf(PlanOp.Resolve), Errno.ENOENT, NotFoundText, 127);
        };

        Registry.Tell(new ExecInContainer("c1") { Args = ["nope"], PidFile = pidFile });

        var e = ExpectError(ContainerErrorKind.Failed);
        var exec = Launcher.Execs.Single();
        Assert.True(exec.Stage0.HasExited, "stage 0 still runs");
        Assert.True(exec.Process!.HasExited, "the exec'd process still runs");
        Assert.Equal($"exec failed: unable to start container process: {NotFoundText}", e.Message);
        Assert.Equal(127, e.ProcessExitCode);
        Assert.Equal(ExitStatus.Exited(127), exec.Process.ExitStatus);
        Assert.False(exec.Execed);
        Assert.False(File.Exists(pidFile));
        ExpectSenderStops();
        AssertContainerUnaffected(container);
    }

    /// <summary>
    /// The process reports the error but lives on (and SIGKILL takes a while): the failure is
    /// replied only once the exec saw it die, so a caller never races a half-dead process.
    /// </summary>
    [Fact]
    public void An_error_at_resolve_is_replied_only_after_the_process_that_lingers_is_killed_and_dead()
    {
        var container = Running();
        Launcher.ExecScript = f =>
        {
            var p = FakeInit.ThroughPlan(f);
            p.OnSignal = FakeProcess.Unkillable;
            f.SendError(f.PlanIndexOf(PlanOp.Resolve), Errno.ENOENT, NotFoundText);
            f.CloseSync();
            f.Hang();
        };

        Registry.Tell(new ExecInContainer("c1") { Args = ["nope"] });

        AwaitCondition(() => Launcher.Execs.SingleOrDefault()?.Process?.Signals.Contains(9) == true, Long);
        var exec = Launcher.Execs.Single();
        var process = exec.Process!;
        Assert.Equal([9], process.Signals);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.False(process.HasExited);

        process.Exit(ExitStatus.Killed(9));

        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.True(exec.Stage0.HasExited, "stage 0 still runs");
        Assert.True(process.HasExited, "the exec'd process still runs");
        Assert.Equal($"exec failed: unable to start container process: {NotFoundText}", e.Message);
        Assert.Equal(127, e.ProcessExitCode);
        Assert.Equal(ExitStatus.Exited(0), exec.Stage0.ExitStatus);
        ExpectSenderStops();
        AssertContainerUnaffected(container);
    }

    [Fact]
    public void Stage0_failing_in_the_bootstrap_fails_the_exec_naming_the_op()
    {
        var container = Running();
        var initPid = container.Init!.Pid;
        Launcher.ExecScript = f =>
        {
            var ops = f.ReadBootstrap();
            var mnt = ops.Select((op, i) => (op, i)).First(x => x.op.BootstrapCode == BootstrapOp.JoinNamespace && x.op.Str(1).EndsWith("/ns/mnt")).i;
            f.Bail(mnt, Errno.EPERM, "setns");
        };

        Registry.Tell(Sh());

        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"exec failed: join the container's mount namespace (/proc/{initPid}/ns/mnt): setns: {Describe(Errno.EPERM)}", e.Message);
        Assert.Null(e.ProcessExitCode);
        var exec = Launcher.Execs.Single();
        Assert.Null(exec.Process);
        Assert.Null(exec.Plan);
        Assert.Equal(ExitStatus.Exited(1), exec.Stage0.ExitStatus);
        ExpectSenderStops();
        AssertContainerUnaffected(container);
    }

    [Theory]
    [InlineData("bootstrap")]
    [InlineData("plan")]
    public void An_exec_that_never_answers_times_out_and_what_it_started_is_killed(string stage)
    {
        Settings = Settings with { CreateTimeout = TimeSpan.FromSeconds(1) };
        var container = Running();
        Launcher.ExecScript = f =>
        {
            if (stage == "bootstrap")
            {
                f.ReadBootstrap();
            }
            else
            {
                FakeInit.ThroughPlan(f);
            }
            f.Hang();
        };

        Registry.Tell(Sh());

        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("exec failed: timed out after 1s starting the process", e.Message);
        var exec = Launcher.Execs.Single();
        Assert.True(exec.Stage0.HasExited);
        if (stage == "bootstrap")
        {
            Assert.Null(exec.Process);
            Assert.Equal([9], exec.Stage0.Signals);
            Assert.Equal(ExitStatus.Killed(9), exec.Stage0.ExitStatus);
        }
        else
        {
            Assert.Equal(ExitStatus.Exited(0), exec.Stage0.ExitStatus);
            Assert.Equal([9], exec.Process!.Signals);
            Assert.Equal(ExitStatus.Killed(9), exec.Process.ExitStatus);
            Assert.False(exec.Process.KilledByCgroup);
        }
        ExpectSenderStops();
        AssertContainerUnaffected(container);
    }

    [Fact]
    public void An_exec_in_a_created_container_works_and_the_container_can_still_be_started()
    {
        CreateOk("c1");
        var container = Launcher.Of("c1")!;

        var started = Ask<ExecStartedReply>(Sh());

        var exec = Launcher.Execs.Single();
        Assert.Equal(exec.Process!.Pid, started.Pid);
        Assert.Equal(container.Init!.Pid, exec.JoinedInitPid);
        Assert.Equal(PlanOp.ExecNow, exec.Plan![^1].PlanCode);
        Assert.False(container.TookStart);
        AssertContainerUnaffected(container, "created");

        Ask<Done>(new StartContainer("c1"));
        Assert.True(container.TookStart);
        AwaitCondition(() => container.Execed, Long);
        AssertContainerUnaffected(container);

        exec.Process.Exit(ExitStatus.Exited(0));
        Assert.Equal(ExitStatus.Exited(0), Ask<ExecExitedReply>(new WaitExec("c1", started.Pid)).Status);
    }

    [Fact]
    public void An_exec_in_a_stopped_container_is_InvalidState()
    {
        Running();
        Ask<Done>(new KillContainer("c1", 9));
        AwaitAssert(() => Assert.Equal("stopped", State("c1").Status), Long);
        var attempts = Launcher.Attempts;

        Registry.Tell(Sh());

        Assert.Equal("cannot exec in a stopped container", ExpectError(ContainerErrorKind.InvalidState).Message);
        Assert.Equal(attempts, Launcher.Attempts);
        Assert.Empty(Launcher.Execs);
    }

    [Fact]
    public void An_exec_in_a_container_that_does_not_exist_is_NotFound()
    {
        Registry.Tell(Sh("nope"));

        Assert.Equal("container nope does not exist", ExpectError(ContainerErrorKind.NotFound).Message);
        Assert.Equal(0, Launcher.Attempts);
        Assert.Empty(Cgroups.News);
    }

    /// <summary>The exec's process is in the container's cgroup: a forced delete kills it, and the wait hears of it.</summary>
    [Fact]
    public void Force_deleting_the_container_kills_the_exec_process_and_answers_its_wait()
    {
        Running();
        var pid = Ask<ExecStartedReply>(Sh()).Pid;
        var process = Processes[pid];
        var waiter = CreateTestProbe();
        Registry.Tell(new WaitExec("c1", pid), waiter.Ref);
        // Ordered behind the wait: once answered, the wait is registered.
        Ask<Done>(new SignalExec("c1", pid, 28));

        Ask<Done>(new DeleteContainer("c1", Force: true));

        Assert.True(process.KilledByCgroup);
        Assert.Equal(new ExecExitedReply("c1", pid, ExitStatus.Killed(9)), waiter.ExpectMsg<ExecExitedReply>(Long));
        AssertNoTraces("c1");
    }

    [Fact]
    public void Several_execs_run_side_by_side_and_each_wait_gets_its_own_status()
    {
        var container = Running();
        var a = Ask<ExecStartedReply>(Sh()).Pid;
        var b = Ask<ExecStartedReply>(Sh() with { Args = ["top"] }).Pid;
        Assert.NotEqual(a, b);
        Assert.Equal(2, Launcher.ExecsOf("c1").Count);
        var pa = Processes[a];
        var pb = Processes[b];

        pb.Exit(ExitStatus.Exited(5));
        Assert.Equal(ExitStatus.Exited(5), Ask<ExecExitedReply>(new WaitExec("c1", b)).Status);
        Assert.False(pa.HasExited);
        pa.Exit(ExitStatus.Exited(6));
        Assert.Equal(ExitStatus.Exited(6), Ask<ExecExitedReply>(new WaitExec("c1", a)).Status);
        AssertContainerUnaffected(container);
    }
}
