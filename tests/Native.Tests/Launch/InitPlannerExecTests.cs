using System.Buffers.Binary;
using System.Text;
using Runa.Runtime.Launch;
using Runa.Runtime.Oci;
using Runa.Runtime.Sync;
using Xunit;
using OciProcess = Runa.Runtime.Oci.Process;

namespace Runa.Native.Tests.Launch;

/// <summary>
/// The plan of `runa exec`: join the running container's namespaces through /proc/PID/ns, then set
/// up only the process (no rootfs, no mounts) and exec at once. Planning only: nothing runs.
/// </summary>
public sealed class InitPlannerExecTests : IDisposable
{
    private const int InitPid = 4242;
    private const ulong InitStartTime = 987654;

    private readonly string _rootfs = Directory.CreateTempSubdirectory("runa-exec-plan-").FullName;

    public void Dispose() => Directory.Delete(_rootfs, recursive: true);

    /// <summary>One op of a payload: its code and raw arguments (u32 length, then the bytes, as protocol.h has it).</summary>
    private sealed record Op(ushort Code, IReadOnlyList<byte[]> Args)
    {
        public string Str(int i)
        {
            var a = Args[i];
            Assert.True(a.Length > 0 && a[^1] == 0, $"op {Code} argument {i} is not a NUL-terminated string");
            return Encoding.UTF8.GetString(a, 0, a.Length - 1);
        }

        public ulong U64(int i)
        {
            Assert.Equal(8, Args[i].Length);
            return BinaryPrimitives.ReadUInt64LittleEndian(Args[i]);
        }
    }

    /// <summary>Decodes an op list the way runa-init's next_op does; a malformed payload fails the test.</summary>
    private static List<Op> Decode(OpList list)
    {
        var payload = list.Payload.Span;
        var ops = new List<Op>();
        var p = 0;
        while (p < payload.Length)
        {
            Assert.True(payload.Length - p >= 4, $"op header cut at byte {p}");
            var code = BinaryPrimitives.ReadUInt16LittleEndian(payload[p..]);
            var argc = BinaryPrimitives.ReadUInt16LittleEndian(payload[(p + 2)..]);
            p += 4;
            var args = new List<byte[]>();
            for (var i = 0; i < argc; i++)
            {
                Assert.True(payload.Length - p >= 4, $"op {code}: argument {i} length cut at byte {p}");
                var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[p..]);
                p += 4;
                Assert.True(len >= 0 && payload.Length - p >= len, $"op {code}: argument {i} runs past the payload");
                args.Add(payload.Slice(p, len).ToArray());
                p += len;
            }
            ops.Add(new Op(code, args));
        }
        Assert.Equal(list.Count, ops.Count);
        for (var i = 0; i < ops.Count; i++)
        {
            Assert.Equal(list.CodeAt(i), ops[i].Code);
        }
        return ops;
    }

    private static Spec Container(params string[] namespaces)
    {
        var spec = DefaultSpec.Create(terminal: false);
        spec.Linux!.Namespaces = [.. namespaces.Select(n => new Namespace { Type = n })];
        return spec;
    }

    private static OciProcess Process(Action<OciProcess>? change = null)
    {
        var p = DefaultSpec.Create(terminal: false).Process!;
        p.Args = ["ls", "-l"];
        p.Env = ["PATH=/bin:/usr/bin", "A=1"];
        p.Cwd = "/tmp";
        change?.Invoke(p);
        return p;
    }

    private InitPlan Plan(Spec container, OciProcess? process = null) =>
        InitPlanner.BuildExec(container, _rootfs, process ?? Process(), InitPid, InitStartTime);

    private static List<PlanOp> Codes(OpList list) => [.. Enumerable.Range(0, list.Count).Select(i => (PlanOp)list.CodeAt(i))];

    [Fact]
    public void The_bootstrap_joins_each_namespace_of_the_container_through_its_init_and_the_user_namespace_last()
    {
        var plan = Plan(Container("pid", "network", "ipc", "uts", "mount", "cgroup", "user"));

        var ops = Decode(plan.Bootstrap);

        var joins = ops.SkipLast(2).ToList();
        Assert.All(joins, o => Assert.Equal((ushort)BootstrapOp.JoinNamespace, o.Code));
        Assert.Equal(
            [
                (NamespaceTypes.CLONE_NEWIPC, "/proc/4242/ns/ipc"),
                (NamespaceTypes.CLONE_NEWUTS, "/proc/4242/ns/uts"),
                (NamespaceTypes.CLONE_NEWNET, "/proc/4242/ns/net"),
                (NamespaceTypes.CLONE_NEWPID, "/proc/4242/ns/pid"),
                (NamespaceTypes.CLONE_NEWNS, "/proc/4242/ns/mnt"),
                (NamespaceTypes.CLONE_NEWCGROUP, "/proc/4242/ns/cgroup"),
                (NamespaceTypes.CLONE_NEWUSER, "/proc/4242/ns/user"),
            ],
            joins.Select(o => (o.U64(0), o.Str(1))));
        Assert.All(joins, o => Assert.Equal(2, o.Args.Count));
    }

    [Fact]
    public void The_bootstrap_ends_by_starting_the_process_with_no_clone_flags()
    {
        var plan = Plan(Container("pid", "mount", "user"));

        var last = Decode(plan.Bootstrap)[^1];

        Assert.Equal((ushort)BootstrapOp.CloneFlags, last.Code);
        Assert.Equal(0UL, last.U64(0));
        Assert.Single(last.Args);
        Assert.Equal(0UL, plan.CloneFlags);
    }

    [Fact]
    public void The_bootstrap_joins_only_the_namespaces_the_container_has()
    {
        var plan = Plan(Container("mount", "time"));

        var ops = Decode(plan.Bootstrap);

        Assert.Equal(
            [
                ((ushort)BootstrapOp.JoinNamespace, "/proc/4242/ns/mnt"),
                ((ushort)BootstrapOp.JoinNamespace, "/proc/4242/ns/time"),
            ],
            ops.SkipLast(2).Select(o => (o.Code, o.Str(1))));
        Assert.Equal(NamespaceTypes.CLONE_NEWTIME, ops[1].U64(0));
        Assert.DoesNotContain(ops, o => o.Code is (ushort)BootstrapOp.UidMap or (ushort)BootstrapOp.GidMap);
    }

    [Fact]
    public void A_namespace_the_container_joined_by_path_is_joined_through_the_init_too()
    {
        var container = Container("mount", "network");
        container.Linux!.Namespaces!.Single(n => n.Type == "network").Path = "/var/run/netns/shared";

        var ops = Decode(Plan(container).Bootstrap);

        Assert.Contains(ops, o => o.Code == (ushort)BootstrapOp.JoinNamespace && o.Str(1) == "/proc/4242/ns/net");
        Assert.DoesNotContain(ops, o => o.Args.Count > 1 && o.Str(1) == "/var/run/netns/shared");
    }

    [Fact]
    public void A_container_without_namespaces_gets_only_the_start()
    {
        var container = Container();
        container.Linux!.Namespaces = null;

        var ops = Decode(Plan(container).Bootstrap);

        Assert.Equal([(ushort)BootstrapOp.SameProcess, (ushort)BootstrapOp.CloneFlags], ops.Select(o => o.Code));
    }

    [Fact]
    public void After_the_paths_are_opened_the_bootstrap_checks_they_were_the_inits()
    {
        var ops = Decode(Plan(Container("pid", "mount")).Bootstrap);

        var check = ops[^2];
        Assert.Equal((ushort)BootstrapOp.SameProcess, check.Code);
        Assert.Equal((ulong)InitPid, check.U64(0));
        Assert.Equal(InitStartTime, check.U64(1));
        Assert.All(ops.SkipLast(2), o => Assert.Equal((ushort)BootstrapOp.JoinNamespace, o.Code));
    }

    [Fact]
    public void The_plan_has_no_rootfs_setup_and_ends_with_ready_close_log_and_exec_now()
    {
        var plan = Plan(Container("pid", "network", "ipc", "uts", "mount", "cgroup"));

        var codes = Codes(plan.Plan);

        foreach (var setup in new[]
                 {
                     PlanOp.Rootfs, PlanOp.Mount, PlanOp.PivotRoot, PlanOp.Mkdir, PlanOp.Mkfile, PlanOp.Mknod, PlanOp.Symlink,
                     PlanOp.Mask, PlanOp.Readonly, PlanOp.SetHostname, PlanOp.SetDomainname, PlanOp.Exec,
                 })
        {
            Assert.DoesNotContain(setup, codes);
        }
        Assert.Equal([PlanOp.Ready, PlanOp.CloseLog, PlanOp.ExecNow], codes[^3..]);
        Assert.Contains(PlanOp.User, codes);
        Assert.Contains(PlanOp.Chdir, codes);
        Assert.Contains(PlanOp.Caps, codes);
        Assert.Contains(PlanOp.CapsBounding, codes);
    }

    [Fact]
    public void The_exec_now_op_carries_the_args_then_the_env_with_a_home()
    {
        var plan = Plan(Container("mount"));

        var exec = Decode(plan.Plan)[^1];

        Assert.Equal((ushort)PlanOp.ExecNow, exec.Code);
        Assert.Equal(2UL, exec.U64(0));
        Assert.Equal(["ls", "-l", "PATH=/bin:/usr/bin", "A=1", "HOME=/"], Enumerable.Range(1, exec.Args.Count - 1).Select(exec.Str));
    }

    [Fact]
    public void The_process_user_and_cwd_are_the_exec_process_not_the_containers()
    {
        var process = Process(p =>
        {
            p.User = new User { Uid = 1000, Gid = 1001, AdditionalGids = [5, 6] };
            p.Cwd = "/home/u";
        });
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_rootfs, "etc")).FullName, "passwd"),
            "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1001::/home/u:/bin/sh\n");

        var ops = Decode(Plan(Container("mount"), process).Plan);

        var user = Assert.Single(ops, o => o.Code == (ushort)PlanOp.User);
        Assert.Equal([1000UL, 1001UL, 5UL, 6UL], Enumerable.Range(0, user.Args.Count).Select(user.U64));
        Assert.Equal("/home/u", Assert.Single(ops, o => o.Code == (ushort)PlanOp.Chdir).Str(0));
        Assert.Equal("HOME=/home/u", ops[^1].Str(ops[^1].Args.Count - 1));
        var resolve = Assert.Single(ops, o => o.Code == (ushort)PlanOp.Resolve);
        Assert.Equal("ls", resolve.Str(0));
        Assert.Equal("/bin:/usr/bin", resolve.Str(1));
    }

    [Fact]
    public void A_terminal_process_gets_a_console_op_with_its_size()
    {
        var process = Process(p =>
        {
            p.Terminal = true;
            p.ConsoleSize = new ConsoleSize { Height = 24, Width = 80 };
        });

        var plan = Plan(Container("mount"), process);

        var console = Assert.Single(Decode(plan.Plan), o => o.Code == (ushort)PlanOp.Console);
        Assert.Equal(24UL, console.U64(0));
        Assert.Equal(80UL, console.U64(1));
        Assert.True(plan.Terminal);
        Assert.Equal(24, plan.ConsoleRows);
        Assert.Equal(80, plan.ConsoleCols);
    }

    [Fact]
    public void A_terminal_process_without_a_size_gets_a_console_op_of_size_zero()
    {
        var plan = Plan(Container("mount"), Process(p => p.Terminal = true));

        var console = Assert.Single(Decode(plan.Plan), o => o.Code == (ushort)PlanOp.Console);
        Assert.Equal(0UL, console.U64(0));
        Assert.Equal(0UL, console.U64(1));
        Assert.True(plan.Terminal);
    }

    [Fact]
    public void A_process_without_a_terminal_gets_no_console_op()
    {
        var plan = Plan(Container("mount"));

        Assert.DoesNotContain(PlanOp.Console, Codes(plan.Plan));
        Assert.False(plan.Terminal);
    }

    [Fact]
    public void No_new_privileges_and_rlimits_come_from_the_exec_process()
    {
        var with = Codes(Plan(Container("mount"), Process(p => p.NoNewPrivileges = true)).Plan);
        var without = Codes(Plan(Container("mount"), Process(p =>
        {
            p.NoNewPrivileges = false;
            p.Rlimits = null;
        })).Plan);

        Assert.Contains(PlanOp.NoNewPrivs, with);
        Assert.Contains(PlanOp.SetRlimit, with);
        Assert.DoesNotContain(PlanOp.NoNewPrivs, without);
        Assert.DoesNotContain(PlanOp.SetRlimit, without);
    }

    [Fact]
    public void Every_op_is_described()
    {
        var plan = Plan(Container("pid", "network", "mount", "user"), Process(p => p.Terminal = true));

        foreach (var list in new[] { plan.Bootstrap, plan.Plan })
        {
            for (var i = 0; i < list.Count; i++)
            {
                Assert.False(string.IsNullOrWhiteSpace(list.Describe(i)));
            }
        }
        Assert.Contains("/proc/4242/ns/net", plan.Bootstrap.Describe(0));
        Assert.Contains("/proc/4242/ns/user", plan.Bootstrap.Describe(3));
    }
}
