using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Runa.Runtime.Sync;
using Xunit;
using Xunit.Abstractions;
using Native = Runa.Runtime.Interop.Sys;

namespace Runa.Actors.Tests;

/// <summary>
/// A create that fails at any stage leaves nothing: live fake processes get SIGKILL, the cgroup is
/// destroyed, the state dir and the journal record are removed, the reply is a Status.Failure
/// whose ContainerException names the problem, and the ContainerActor stops.
/// </summary>
public sealed class CreateFailureTests(ITestOutputHelper output) : ContainerScenario(output)
{
    private static string Describe(int errno) => $"{Errno.Describe(errno)} ({Errno.Name(errno)})";

    /// <summary>The reply came from the container actor, which stops; nothing of <paramref name="id"/> is left.</summary>
    private void AssertCleanFailure(string id)
    {
        ExpectSenderStops();
        AssertNoTraces(id);
    }

    [Theory]
    [InlineData("no bundle", "/config.json")]
    [InlineData("no args", "config.json: process.args: missing")]
    [InlineData("bad version", "config.json: ociVersion: unsupported version \"9.9.9\"")]
    [InlineData("relative cwd", "config.json: process.cwd: \"here\" is not an absolute path")]
    [InlineData("terminal without console socket", "config.json: process.terminal: a terminal needs --console-socket")]
    public void An_invalid_bundle_is_InvalidInput_and_creates_nothing_at_all(string what, string message)
    {
        var bundle = Bundle(s =>
        {
            switch (what)
            {
                case "no args":
                    s.Process!.Args = [];
                    break;
                case "bad version":
                    s.OciVersion = "9.9.9";
                    break;
                case "relative cwd":
                    s.Process!.Cwd = "here";
                    break;
                case "terminal without console socket":
                    s.Process!.Terminal = true;
                    break;
            }
        });
        if (what == "no bundle")
        {
            File.Delete(Path.Combine(bundle.Dir, "config.json"));
        }

        Create("bad", bundle);

        var e = ExpectError(ContainerErrorKind.InvalidInput);
        Assert.Contains(message, e.Message);
        ExpectSenderStops();
        Assert.Empty(JournalIds());
        Assert.False(Directory.Exists(StateDir("bad")));
        Assert.Empty(Cgroups.News);
        Assert.Equal(0, Launcher.Attempts);
    }

    [Fact]
    public void An_invalid_cgroups_path_is_InvalidInput_and_leaves_nothing()
    {
        Cgroups.NewFault = new InvalidCgroupConfigException("linux.cgroupsPath", "\"../x\" escapes the cgroup root");
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.InvalidInput);
        Assert.Equal("linux.cgroupsPath: \"../x\" escapes the cgroup root", e.Message);
        AssertCleanFailure("c1");
        Assert.Equal(0, Launcher.Attempts);
    }

    [Fact]
    public void Cgroup_creation_failing_fails_the_create_before_runa_init_starts()
    {
        Cgroups.Configure = m => m.FailOn(CgroupOp.Create, new RunaSystemException("mkdir", "/fake/cgroup/memory/runa/c1", Errno.EACCES));
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith("set up the cgroup: mkdir /fake/cgroup/memory/runa/c1", e.Message);
        AssertCleanFailure("c1");
        Assert.Equal(0, Launcher.Attempts);
        Assert.Contains("Destroy", Cgroups.Of("c1")!.Calls);
    }

    /// <summary>
    /// Resources the cgroup manager's validation rejects are a problem of config.json, like an
    /// invalid cgroupsPath (InvalidInput there, and ContainerActor.Step maps
    /// InvalidCgroupConfigException to InvalidInput for that reason).
    /// </summary>
    [Fact]
    public void Resources_the_cgroup_rejects_are_InvalidInput()
    {
        Cgroups.Configure = m => m.FailOn(CgroupOp.Set,
            new InvalidCgroupConfigException("linux.resources.memory.swap", "must be at least linux.resources.memory.limit"));
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.InvalidInput);
        Assert.Contains("linux.resources.memory.swap: must be at least linux.resources.memory.limit", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void Moving_stage0_into_the_cgroup_failing_kills_stage0()
    {
        Cgroups.Configure = m => m.FailOn(CgroupOp.Apply, new RunaSystemException("write", "/fake/cgroup/memory/runa/c1/cgroup.procs", Errno.EINVAL));
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        var stage0 = Launcher.Of("c1")!.Stage0;
        Assert.StartsWith($"move pid {stage0.Pid} into the cgroup: write /fake/cgroup/memory/runa/c1/cgroup.procs", e.Message);
        AssertCleanFailure("c1");
        Assert.Equal([9], stage0.Signals);
        Assert.Null(Launcher.Of("c1")!.Bootstrap);
    }

    [Fact]
    public void The_launcher_throwing_fails_the_create_and_removes_the_cgroup_promptly()
    {
        Settings = Settings with { KillTimeout = TimeSpan.FromSeconds(8) };
        Launcher.LaunchFault = () => new FileNotFoundException("runa-init not found at /nowhere/runa-init (build with `dotnet build`, or set RUNA_INIT)");
        Create("c1", Bundle());
        // Nothing was started, so nothing is waited for: the reply must not wait out the kill timeout.
        var e = ExpectError(ContainerErrorKind.Failed, TimeSpan.FromSeconds(4));
        Assert.Contains("runa-init not found at /nowhere/runa-init", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void An_error_at_a_bootstrap_op_names_that_bootstrap_op()
    {
        // Joining a namespace by path is bootstrap op 0; plan op 0 is "make / private to the container".
        var bundle = Bundle(s => s.Linux!.Namespaces!.Single(n => n.Type == "network").Path = "/proc/self/ns/net");
        Launcher.Script = f =>
        {
            var bootstrap = f.ReadBootstrap();
            Assert.Equal(BootstrapOp.JoinNamespace, bootstrap[0].BootstrapCode);
            f.Bail(0, Errno.EPERM, "setns /proc/self/ns/net");
        };
        Create("c1", bundle);
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"join the network namespace /proc/self/ns/net: setns /proc/self/ns/net: {Describe(Errno.EPERM)}", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void An_error_of_stage0_outside_the_ops_is_reported_as_runa_inits()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Bail(-1, Errno.EPERM, "clone the container init (flags 0x7e020000)");
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"runa-init: clone the container init (flags 0x7e020000): {Describe(Errno.EPERM)}", e.Message);
        Assert.Null(e.ProcessExitCode);
        AssertCleanFailure("c1");
        // Whether it exited on its own or the failed create's SIGKILL came first (a race), it is gone.
        Assert.True(Launcher.Of("c1")!.Stage0.HasExited);
    }

    /// <summary>
    /// Stage 0 sends its ERROR and exits 1 at once. Whether the exit or the packet reaches the actor
    /// first, the ERROR must win: the actor drains the socket before it settles on "exited". Run
    /// several times to meet both orders.
    /// </summary>
    [Fact]
    public void The_error_stage0_sent_before_exiting_non_zero_wins_over_its_exit()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Bail(-1, Errno.ENOMEM, "clone the container init (flags 0x7e020000)");
        };
        var bundle = Bundle();
        for (var i = 0; i < 10; i++)
        {
            var id = $"c{i}";
            Create(id, bundle);
            var e = ExpectError(ContainerErrorKind.Failed);
            Assert.Equal($"runa-init: clone the container init (flags 0x7e020000): {Describe(Errno.ENOMEM)}", e.Message);
            AssertCleanFailure(id);
        }
    }

    /// <summary>
    /// Stage 0 can fail before it reads the bootstrap (closing inherited fds, prctl, sigaction):
    /// ERROR, exit 1, while the host is still setting up. The host's bootstrap then meets a closed
    /// socket (EPIPE); the ERROR already waiting in the socket must still be what the user reads.
    /// The order of the two is up to the threads, so many creates run at once, several times.
    /// </summary>
    [Fact]
    public void An_error_stage0_sent_before_the_bootstrap_wins_over_its_exit()
    {
        Launcher.Script = f => f.Bail(-1, Errno.EBADF, "close inherited fds");
        var bundle = Bundle();
        const int Rounds = 3, Creates = 20;
        for (var round = 0; round < Rounds; round++)
        {
            var ids = Enumerable.Range(0, Creates).Select(i => $"r{round}-{i}").ToList();
            foreach (var id in ids)
            {
                Create(id, bundle);
            }
            var messages = ReceiveN(Creates, TimeSpan.FromSeconds(30))
                .Select(m => Assert.IsType<ContainerException>(Assert.IsType<Runa.Kernel.Status.Failure>(m).Cause).Message)
                .ToList();
            var wrong = messages.Where(m => m != $"runa-init: close inherited fds: {Describe(Errno.EBADF)}").ToList();
            Assert.True(wrong.Count == 0, $"round {round}: {wrong.Count} of {Creates} creates lost the init's error: {wrong.FirstOrDefault()}");
            foreach (var id in ids)
            {
                AssertNoTraces(id);
            }
        }
    }

    [Fact]
    public void Stage0_exiting_non_zero_without_an_error_fails_the_create()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Stage0.Exit(ExitStatus.Exited(2));
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith("runa-init exited during setup", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void Stage0_killed_by_a_signal_fails_the_create()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Stage0.Exit(ExitStatus.Killed(11, core: true));
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith("runa-init exited during setup", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void A_pid_that_never_comes_times_out_naming_the_stage_and_kills_stage0()
    {
        Settings = Settings with { CreateTimeout = TimeSpan.FromSeconds(1) };
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.Hang();
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("timed out after 1s waiting for the container init (at: send the bootstrap)", e.Message);
        AssertCleanFailure("c1");
        Assert.Equal([9], Launcher.Of("c1")!.Stage0.Signals);
    }

    [Fact]
    public void A_ready_that_never_comes_times_out_naming_the_stage_and_kills_the_init()
    {
        Settings = Settings with { CreateTimeout = TimeSpan.FromSeconds(1) };
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Hang();
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("timed out after 1s waiting for the container init (at: send the plan)", e.Message);
        AssertCleanFailure("c1");
        var fake = Launcher.Of("c1")!;
        Assert.Equal([9], fake.Init!.Signals);
        Assert.Equal(ExitStatus.Killed(9), fake.Init.ExitStatus);
        Assert.False(fake.Init.KilledByCgroup);
    }

    [Fact]
    public void An_error_in_the_plan_names_the_op_and_the_config_field()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            var proc = f.Plan!.Select((op, i) => (op, i)).First(x => x.op.PlanCode == PlanOp.Mount && x.op.Str(2) == "proc").i;
            f.Bail(proc, Errno.EPERM, "mount proc");
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"mount proc on /proc (mounts[0]): mount proc: {Describe(Errno.EPERM)}", e.Message);
        Assert.Null(e.ProcessExitCode);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void An_init_that_reports_an_error_but_lingers_is_killed()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.SendError(f.PlanIndexOf(PlanOp.SetRlimit), Errno.EPERM, "setrlimit RLIMIT_NOFILE");
            f.Hang();
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"set RLIMIT_NOFILE to soft 1024, hard 1024 (process.rlimits): setrlimit RLIMIT_NOFILE: {Describe(Errno.EPERM)}", e.Message);
        AssertCleanFailure("c1");
        var init = Launcher.Of("c1")!.Init!;
        Assert.Equal([9], init.Signals);
        Assert.False(init.KilledByCgroup);
    }

    [Fact]
    public void A_stage0_that_reports_an_error_but_lingers_is_killed()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            f.SendError(-1, Errno.EINVAL, "write the uid map");
            f.Hang();
        };
        Create("c1", Bundle());
        Assert.Equal($"runa-init: write the uid map: {Describe(Errno.EINVAL)}", ExpectError(ContainerErrorKind.Failed).Message);
        AssertCleanFailure("c1");
        Assert.Equal([9], Launcher.Of("c1")!.Stage0.Signals);
    }

    [Fact]
    public void An_error_without_errno_is_shown_without_one()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Bail(f.PlanIndexOf(PlanOp.PivotRoot), 0, "the rootfs is on ramfs");
        };
        Create("c1", Bundle());
        Assert.Equal("pivot_root into the rootfs: the rootfs is on ramfs", ExpectError(ContainerErrorKind.Failed).Message);
        AssertCleanFailure("c1");
    }

    [Theory]
    [InlineData(Errno.ENOENT, "exec: \"nope\": executable file not found in $PATH", 127)]
    [InlineData(Errno.EACCES, "exec: \"nope\": permission denied", 126)]
    public void An_error_at_resolve_is_unable_to_start_the_container_process(int errno, string text, int exitCode)
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Bail(f.PlanIndexOf(PlanOp.Resolve), errno, text, exitCode);
        };
        Create("c1", Bundle(s => s.Process!.Args = ["nope"]));
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal($"unable to start container process: {text}", e.Message);
        Assert.Equal(exitCode, e.ProcessExitCode);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void Eof_before_ready_fails_the_create_and_kills_the_init_that_lives_on()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.CloseSync();
            f.Hang();
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("runa-init exited during setup", e.Message);
        AssertCleanFailure("c1");
        Assert.Equal([9], Launcher.Of("c1")!.Init!.Signals);
    }

    [Fact]
    public void The_container_init_exiting_during_setup_fails_the_create()
    {
        Launcher.Script = f =>
        {
            var init = FakeInit.ThroughPlan(f);
            init.Exit(ExitStatus.Exited(3));
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Contains("exited during setup", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void The_container_init_exiting_before_it_is_attached_fails_the_create()
    {
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            var init = f.SpawnInit();
            init.Exit(ExitStatus.Exited(1));
            f.SendPid(init.Pid);
            f.Stage0.Exit(ExitStatus.Exited(0));
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Contains("exited during setup", e.Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void An_oom_kill_during_setup_is_reported_as_such()
    {
        Launcher.Script = f =>
        {
            var init = FakeInit.ThroughPlan(f);
            Cgroups.Of("c1")!.OomKills = 1;
            init.Exit(ExitStatus.Killed(9));
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("container init was OOM-killed (memory limit too low?)", e.Message);
        Assert.Contains("exited during setup", Assert.IsType<ContainerException>(e.InnerException).Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void An_unexpected_packet_fails_the_create()
    {
        Launcher.Script = f =>
        {
            FakeInit.ThroughPid(f);
            f.Send(MessageType.Bootstrap, [1, 2, 3]);
            f.Hang();
        };
        Create("c1", Bundle());
        Assert.Equal("runa-init sent an unexpected Bootstrap packet", ExpectError(ContainerErrorKind.Failed).Message);
        AssertCleanFailure("c1");
    }

    [Fact]
    public void A_console_socket_nobody_listens_on_fails_the_create()
    {
        var (r, w) = Native.Pipe();
        using var read = r;
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            using (w)
            {
                f.SendConsole(w);
            }
            f.SendReady();
        };
        var socket = Path.Combine(Root, "nobody.sock");
        Create("c1", Bundle(s => s.Process!.Terminal = true), m => m with { ConsoleSocket = socket });
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith($"hand over the console: connect {socket}", e.Message);
        AssertCleanFailure("c1");
        // Every copy of the console's write end is closed: reading sees EOF, not a blocked read.
        Assert.Equal(0, Native.Read(read, new byte[1]));
    }

    [Fact]
    public void A_pid_file_that_cannot_be_written_fails_the_create_after_ready()
    {
        var pidFile = Path.Combine(Root, "no-such-dir", "c1.pid");
        Create("c1", Bundle(), m => m with { PidFile = pidFile });
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith("finish the create: open", e.Message);
        AssertCleanFailure("c1");
        Assert.Equal([9], Launcher.Of("c1")!.Init!.Signals);
    }

    [Fact]
    public void A_create_can_be_retried_after_a_failed_one()
    {
        var fail = true;
        Launcher.ScriptFor = _ => fail ? f => f.Bail(-1, Errno.EPERM, "nope") : null;
        var bundle = Bundle();
        Create("c1", bundle);
        ExpectError(ContainerErrorKind.Failed);
        ExpectSenderStops();
        fail = false;
        var reply = CreateOk("c1", bundle);
        Assert.Equal("created", reply.State.Status);
        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
    }

    [Fact]
    public void A_failing_cgroup_destroy_still_replies_the_original_error_and_removes_the_rest()
    {
        Cgroups.Configure = m => m.FailOn(CgroupOp.Destroy, new RunaSystemException("rmdir", "/fake/cgroup/memory/runa/c1", Errno.EBUSY));
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Bail(f.PlanIndexOf(PlanOp.Chdir), Errno.ENOENT, "chdir /nowhere");
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith("change to the working directory", e.Message);
        ExpectSenderStops();
        Assert.False(Directory.Exists(StateDir("c1")));
        Assert.Empty(JournalEvents("c1"));
    }

    /// <summary>
    /// A failure to read the OOM count must not cost the cgroup: it is destroyed all the same
    /// (the journal record goes, so nothing could find the cgroup again).
    /// </summary>
    [Fact]
    public void A_failing_oom_count_read_still_destroys_the_cgroup()
    {
        Cgroups.Configure = m => m.FailOn(CgroupOp.OomKillCount, new RunaSystemException("open", "/fake/cgroup/memory/runa/c1/memory.oom_control", Errno.ENOENT));
        Launcher.Script = f =>
        {
            FakeInit.ThroughPlan(f);
            f.Bail(f.PlanIndexOf(PlanOp.Chdir), Errno.ENOENT, "chdir /nowhere");
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.StartsWith("change to the working directory", e.Message);
        AssertCleanFailure("c1");
    }

    /// <summary>
    /// An init that does not die of SIGKILL in time (stuck in the kernel) makes the cleanup give up
    /// waiting, but the cgroup must still be destroyed (its destroy kills and waits again, bounded):
    /// the journal record is deleted, so nothing else would ever remove it.
    /// </summary>
    [Fact]
    public void An_init_that_outlives_the_kill_timeout_still_gets_its_cgroup_destroyed()
    {
        Settings = Settings with { CreateTimeout = TimeSpan.FromSeconds(1), KillTimeout = TimeSpan.FromSeconds(1) };
        Launcher.Script = f =>
        {
            var init = FakeInit.ThroughPlan(f);
            init.OnSignal = FakeProcess.Unkillable;
            f.Hang();
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed);
        Assert.Equal("timed out after 1s waiting for the container init (at: send the plan)", e.Message);
        ExpectSenderStops();
        Assert.False(Directory.Exists(StateDir("c1")));
        Assert.Empty(JournalEvents("c1"));
        Assert.Equal([9], Launcher.Of("c1")!.Init!.Signals);
        Assert.Contains("Destroy", Cgroups.Of("c1")!.Calls);
    }

    /// <summary>
    /// The InitProcess child failing (here Attach throws EMFILE, as pidfd_open does when the daemon
    /// is out of fds) must still kill what runs and destroy the cgroup, without waiting out the kill timeout.
    /// </summary>
    [Fact]
    public void A_failing_init_actor_still_kills_the_processes_and_destroys_the_cgroup()
    {
        Settings = Settings with { KillTimeout = TimeSpan.FromSeconds(8) };
        Processes.AttachFault = pid => new RunaSystemException("pidfd_open", $"pid {pid}", Errno.EMFILE);
        Launcher.Script = f =>
        {
            FakeInit.ThroughPid(f);
            f.ReadPlan();
            f.SendReady();
        };
        Create("c1", Bundle());
        var e = ExpectError(ContainerErrorKind.Failed, TimeSpan.FromSeconds(4));
        Assert.Contains("pidfd_open", e.Message);
        AssertCleanFailure("c1");
        // Killed (by the actor or by the cgroup's destroy), not merely gone because the host closed its socket.
        Assert.Equal(ExitStatus.Killed(9), Launcher.Of("c1")!.Init!.ExitStatus);
    }
}
