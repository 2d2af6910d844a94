using System.Net.Sockets;
using Runa.Actors.Containers;
using Runa.Actors.Tests.Fakes;
using Runa.Kernel;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Runa.Runtime.Sync;
using Xunit;
using Xunit.Abstractions;
using Native = Runa.Runtime.Interop.Sys;

namespace Runa.Actors.Tests;

/// <summary>create's good paths: the reply, and everything it leaves behind (journal, state dir, cgroup, what runa-init was told).</summary>
public sealed class CreateTests(ITestOutputHelper output) : ContainerScenario(output)
{
    [Fact]
    public void Create_replies_created_and_leaves_journal_state_dir_fifo_and_cgroup()
    {
        var bundle = Bundle();
        var reply = CreateOk("c1", bundle);
        var fake = Launcher.Of("c1")!;

        var state = reply.State;
        Assert.Equal("c1", state.Id);
        Assert.Equal("created", state.Status);
        Assert.Equal(fake.Init!.Pid, state.Pid);
        Assert.Equal(bundle.Dir, state.Bundle);
        Assert.Equal(bundle.Rootfs, state.Rootfs);
        Assert.Null(reply.Console);

        Assert.Equal(["ContainerCreating", "ContainerCreated"], JournalEvents("c1"));
        Assert.True(Directory.Exists(StateDir("c1")));
        Assert.True(File.Exists(Fifo("c1")));
        Assert.Equal(Fifo("c1"), fake.FifoPath);

        // The cgroup is made and filled before stage 0 runs anything, and stage 0 goes in before it clones.
        var cg = Cgroups.Of("c1")!;
        // (The OOM count is read once it exists, as the baseline of a failed create's OOM check.)
        Assert.Equal(["Create", "OomKillCount", "Set", $"Apply {fake.Stage0.Pid}"], cg.Calls.Take(4));
        Assert.NotNull(cg.LastResources?.Devices);
        Assert.DoesNotContain("Destroy", cg.Calls);
        // The init, cloned by stage 0, is born inside the cgroup.
        Assert.Contains(fake.Init.Pid, cg.Members);

        // The init is attached (and reaped) by pid and start time; nothing was signalled.
        Assert.Contains((fake.Init.Pid, (ulong?)fake.Init.StartTime, true), Processes.Attaches);
        Assert.Empty(fake.Stage0.Signals);
        Assert.Empty(fake.Init.Signals);
        Assert.False(fake.Init.HasExited);
        Assert.Equal(ExitStatus.Exited(0), fake.Stage0.ExitStatus);
        Assert.Null(fake.Stdio);
    }

    [Fact]
    public void Runa_init_receives_a_bootstrap_and_a_plan_that_parse_as_op_lists()
    {
        var bundle = Bundle();
        CreateOk("c1", bundle);
        var fake = Launcher.Of("c1")!;

        // Bootstrap: the clone flags of the spec's new namespaces (mount, pid, net, ipc, uts, cgroup).
        var bootstrap = fake.Bootstrap!;
        var clone = Assert.Single(bootstrap, op => op.BootstrapCode == BootstrapOp.CloneFlags);
        const ulong CLONE_NEWNS = 0x00020000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;
        Assert.Equal(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET, clone.U64(0) & (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET));

        // Plan: opens the rootfs, mounts proc where mounts[0] says, pivots, reports ready, execs args.
        var plan = fake.Plan!;
        Assert.Equal(bundle.Rootfs, Assert.Single(plan, op => op.PlanCode == PlanOp.Rootfs).Str(0));
        Assert.Contains(plan, op => op.PlanCode == PlanOp.Mount && op.Str(1) == "/proc" && op.Str(2) == "proc");
        Assert.Equal(0UL, Assert.Single(plan, op => op.PlanCode == PlanOp.PivotRoot).U64(0));
        var codes = plan.Select(op => op.PlanCode).ToList();
        Assert.True(codes.IndexOf(PlanOp.Rootfs) < codes.IndexOf(PlanOp.PivotRoot));
        Assert.True(codes.IndexOf(PlanOp.Resolve) < codes.IndexOf(PlanOp.Ready));
        Assert.Equal([PlanOp.Ready, PlanOp.CloseLog, PlanOp.Exec], codes.TakeLast(3));
        var exec = plan[^1];
        Assert.Equal(3UL, exec.U64(0));
        Assert.Equal(["sh", "-c", "echo hello"], Enumerable.Range(1, 3).Select(exec.Str));
        // The container's own cgroup directories are what its /sys/fs/cgroup binds.
        Assert.Contains(plan, op => op.PlanCode == PlanOp.Mount && op.Str(0) == "/fake/cgroup/memory/runa/c1");
    }

    [Fact]
    public void No_pivot_reaches_the_plan()
    {
        CreateOk("c1", with: m => m with { NoPivot = true });
        Assert.Equal(1UL, Assert.Single(Launcher.Of("c1")!.Plan!, op => op.PlanCode == PlanOp.PivotRoot).U64(0));
    }

    [Fact]
    public void The_callers_stdio_is_handed_to_the_launcher()
    {
        var (r, w) = Native.Pipe();
        using (r)
        using (w)
        {
            CreateOk("c1", with: m => m with { Stdio = [r, w, w] });
            Assert.Equal([r.Fd, w.Fd, w.Fd], Launcher.Of("c1")!.Stdio);
        }
    }

    [Fact]
    public void Pid_file_holds_the_init_pid_and_is_replaced_atomically_never_through_a_symlink()
    {
        var dir = Path.Combine(Root, "pids");
        Directory.CreateDirectory(dir);
        var victim = Path.Combine(dir, "victim");
        File.WriteAllText(victim, "untouched");
        var pidFile = Path.Combine(dir, "c1.pid");
        File.CreateSymbolicLink(pidFile, victim);

        CreateOk("c1", with: m => m with { PidFile = pidFile });

        var init = Launcher.Of("c1")!.Init!;
        Assert.Equal(init.Pid.ToString(), File.ReadAllText(pidFile));
        Assert.Null(new FileInfo(pidFile).LinkTarget);
        Assert.Equal("untouched", File.ReadAllText(victim));
        // Written under a temporary name and renamed: nothing else is left in the directory.
        Assert.Equal(["c1.pid", "victim"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void State_and_list_show_created_containers()
    {
        CreateOk("c1");
        CreateOk("c2");
        var c1 = Launcher.Of("c1")!;

        var state = State("c1");
        Assert.Equal("created", state.Status);
        Assert.Equal(c1.Init!.Pid, state.Pid);

        var list = Ask<ContainerList>(new ListContainers());
        Assert.Equal(["c1", "c2"], list.Containers.Select(c => c.Id).Order());
        Assert.All(list.Containers, c => Assert.Equal("created", c.Status));
        Assert.Equal(Launcher.Of("c2")!.Init!.Pid, list.Containers.Single(c => c.Id == "c2").Pid);
    }

    [Fact]
    public void A_container_being_created_is_listed_as_creating_and_its_commands_wait()
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

        // The list reads the journal (the creating process, us, is alive): no actor is asked.
        var listed = Ask<ContainerList>(new ListContainers()).Containers.Single();
        Assert.Equal("creating", listed.Status);
        Registry.Tell(new DeleteContainer("c1", Force: true));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        go.Set();
        ExpectCreated();
        ExpectMsg<Done>(Long);
        Assert.Equal([9], Launcher.Of("c1")!.Init!.Signals);
        Assert.Empty(JournalIds());
    }

    [Fact]
    public void A_create_whose_creating_process_died_is_listed_as_stopped()
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
        // As if the `runa create` that journaled it had crashed: its pid no longer runs.
        Creator.Exit(ExitStatus.Killed(9));
        Assert.Equal("stopped", Ask<ContainerList>(new ListContainers()).Containers.Single().Status);
        go.Set();
        ExpectCreated();
    }

    [Fact]
    public void State_of_an_unknown_container_is_not_found()
    {
        Registry.Tell(new GetContainerState("nope"));
        Assert.Contains("does not exist", ExpectError(ContainerErrorKind.NotFound).Message);
        Assert.Empty(Ask<ContainerList>(new ListContainers()).Containers);
    }

    [Fact]
    public void A_terminal_keeps_the_console_the_init_sends()
    {
        var (r, w) = Native.Pipe();
        using var read = r;
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            var init = f.SpawnInit();
            f.SendPid(init.Pid);
            f.Stage0.Exit(ExitStatus.Exited(0));
            f.ReadPlan();
            using (w)
            {
                f.SendConsole(w);
            }
            f.SendReady();
        };
        var bundle = Bundle(s => s.Process!.Terminal = true);

        var reply = CreateOk("c1", bundle, m => m with { KeepConsole = true });

        Assert.Contains(Launcher.Of("c1")!.Plan!, op => op.PlanCode == PlanOp.Console);
        using var console = reply.Console ?? throw new Xunit.Sdk.XunitException("no console in the reply");
        Native.WriteAll(console, "hi"u8);
        var buffer = new byte[2];
        Assert.Equal(2, Native.Read(read, buffer));
        Assert.Equal("hi"u8.ToArray(), buffer);
    }

    [Fact]
    public void A_console_socket_gets_the_pty_master()
    {
        var socketPath = Path.Combine(Root, "console.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var (r, w) = Native.Pipe();
        using var read = r;
        Launcher.Script = f =>
        {
            f.ReadBootstrap();
            var init = f.SpawnInit();
            f.SendPid(init.Pid);
            f.Stage0.Exit(ExitStatus.Exited(0));
            f.ReadPlan();
            using (w)
            {
                f.SendConsole(w);
            }
            f.SendReady();
        };

        var reply = CreateOk("c1", Bundle(s => s.Process!.Terminal = true), m => m with { ConsoleSocket = socketPath });

        Assert.Null(reply.Console);
        // The actor connected and sent before it replied: the connection waits in the backlog.
        Assert.True(listener.Poll(Long, SelectMode.SelectRead), "nobody connected to the console socket");
        using var peer = listener.Accept();
        var fds = new List<SafeFd>();
        var buffer = new byte[64];
        var n = Native.ReceivePacket(new SafeFd((int)peer.Handle, ownsHandle: false), buffer, fds);
        Assert.Equal("console", System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        using var master = Assert.Single(fds);
        Native.WriteAll(master, "x"u8);
        Assert.Equal(1, Native.Read(read, buffer));
    }

    [Fact]
    public void Runa_init_log_lines_reach_the_host_log_with_their_level()
    {
        var logs = LogProbe();
        Launcher.Script = f =>
        {
            f.Log("info stage 0 ");
            f.Log("starting\nwarning no swap\n");
            FakeInit.HappyPath(f);
        };
        CreateOk("c1");
        logs.FishForMessage<LogEvent>(e => e.Level == LogLevel.Info && e.Message == "container c1: runa-init: stage 0 starting", Long);
        logs.FishForMessage<LogEvent>(e => e.Level == LogLevel.Warning && e.Message == "container c1: runa-init: no swap", Long);
    }

    [Fact]
    public void Cgroup_warnings_are_logged_and_do_not_fail_the_create()
    {
        var logs = LogProbe();
        Cgroups.Configure = m => m.Warnings = [new CgroupWarning("linux.resources.memory.kernel", "ignored by this kernel")];
        CreateOk("c1");
        logs.FishForMessage<LogEvent>(e => e.Level == LogLevel.Warning
            && e.Message == "container c1: linux.resources.memory.kernel: ignored by this kernel", Long);
    }

    [Fact]
    public void A_custom_cgroups_path_is_passed_to_the_cgroup_factory()
    {
        CreateOk("c1", Bundle(s => s.Linux!.CgroupsPath = "/mine/c1"));
        Assert.Equal("/mine/c1", Cgroups.Of("c1")!.Path);
    }

    [Fact]
    public void Many_containers_are_created_concurrently_without_mixing_them_up()
    {
        var bundle = Bundle();
        var ids = Enumerable.Range(0, 12).Select(i => $"many-{i}").ToList();
        foreach (var id in ids)
        {
            Create(id, bundle);
        }
        var replies = ids.Select(_ => ExpectCreated(TimeSpan.FromSeconds(30))).ToList();
        Assert.Equal(ids.Order(), replies.Select(r => r.State.Id).Order());
        foreach (var r in replies)
        {
            var fake = Launcher.Of(r.State.Id)!;
            Assert.Equal(fake.Init!.Pid, r.State.Pid);
            Assert.Contains($"Apply {fake.Stage0.Pid}", Cgroups.Of(r.State.Id)!.Calls);
        }
        Assert.Equal(ids.Order(), Ask<ContainerList>(new ListContainers()).Containers.Select(c => c.Id).Order());
    }
}
