using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>The v2 manager against a directory tree laid out like cgroupfs v2 (no root needed).</summary>
public sealed class Fs2FakeTreeTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly FakeCgroupV2Tree _tree = new();

    public void Dispose() => _tree.Dispose();

    private ICgroupManager NewManager(string? cgroupsPath = null, DeviceRulesOnV2 devices = DeviceRulesOnV2.Reject) =>
        CgroupManagerFactory.New("c", cgroupsPath, _tree.Options(devices));

    /// <summary>A manager whose leaf (runa/c) exists with kernel-like files.</summary>
    private ICgroupManager Created(DeviceRulesOnV2 devices = DeviceRulesOnV2.Reject)
    {
        _tree.AddCgroup("runa/c");
        var m = NewManager(devices: devices);
        m.Create();
        return m;
    }

    private string Leaf(string file) => _tree.Read($"runa/c/{file}").Trim();

    [Fact]
    public async Task Create_enables_controllers_in_every_ancestor_and_destroy_removes_only_what_it_created()
    {
        _tree.AddCgroup("kubepods");
        var m = NewManager("/kubepods/pod1/ctr");

        m.Create();

        Assert.Equal("+cpuset +cpu +io +memory +hugetlb +pids", _tree.Read("cgroup.subtree_control"));
        Assert.Equal("+cpuset +cpu +io +memory +hugetlb +pids", _tree.Read("kubepods/cgroup.subtree_control"));
        Assert.True(Directory.Exists(Path.Combine(_tree.Root, "kubepods/pod1/ctr")));
        Assert.Equal(2, m.State.Hierarchies.Single().OwnedDepth);
        Assert.True(m.Exists());
        Assert.Equal($"{_tree.Root}/kubepods/pod1/ctr", m.Paths["unified"]);

        await m.DestroyAsync();

        Assert.False(Directory.Exists(Path.Combine(_tree.Root, "kubepods/pod1")));
        Assert.True(Directory.Exists(Path.Combine(_tree.Root, "kubepods")), "a parent that pre-existed stays");
        Assert.False(m.Exists());
    }

    [Fact]
    public void Set_writes_v2_files_with_runc_conversions()
    {
        var m = Created();

        var warnings = m.Set(new LinuxResources
        {
            Memory = new MemoryResources { Limit = 256 * MiB, Swap = 512 * MiB, Reservation = 128 * MiB },
            Cpu = new CpuResources { Shares = 1024, Quota = 50000, Period = 100000, Burst = 1000, Cpus = "0-1", Mems = "0", Idle = 0 },
            Pids = new PidsResources { Limit = 100 },
            BlockIO = new BlockIoResources
            {
                Weight = 500,
                ThrottleReadBpsDevice = [new ThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new ThrottleDevice { Major = 8, Minor = 0, Rate = 0 }],
                ThrottleReadIopsDevice = [new ThrottleDevice { Major = 8, Minor = 16, Rate = 300 }],
            },
            HugepageLimits = [new HugepageLimit { PageSize = "2MB", Limit = 4 * MiB }, new HugepageLimit { PageSize = "1GB", Limit = 1 << 30 }],
        });

        Assert.Empty(warnings);
        Assert.Equal($"{256 * MiB}", Leaf("memory.max"));
        Assert.Equal($"{256 * MiB}", Leaf("memory.swap.max")); // memory+swap 512M - memory 256M
        Assert.Equal($"{128 * MiB}", Leaf("memory.low"));
        Assert.Equal("100", Leaf("cpu.weight"));              // shares 1024 → weight 100
        Assert.Equal("50000 100000", Leaf("cpu.max"));
        Assert.Equal("1000", Leaf("cpu.max.burst"));
        Assert.Equal("0", Leaf("cpu.idle"));
        Assert.Equal("0-1", Leaf("cpuset.cpus"));
        Assert.Equal("0", Leaf("cpuset.mems"));
        Assert.Equal("100", Leaf("pids.max"));
        Assert.Equal("4950", Leaf("io.weight"));              // blkio 500 → io.weight 4950 (no BFQ here)
        Assert.Equal(["8:0 rbps=1048576", "8:0 wbps=max", "8:16 riops=300"], Leaf("io.max").Split('\n')); // rate 0 → "max"
        Assert.Equal($"{4 * MiB}", Leaf("hugetlb.2MB.max"));
        Assert.Equal($"{4 * MiB}", Leaf("hugetlb.2MB.rsvd.max"));
        Assert.Equal($"{1 << 30}", Leaf("hugetlb.1GB.max"));
        Assert.False(File.Exists(Path.Combine(_tree.Root, "runa/c/hugetlb.1GB.rsvd.max")));
    }

    [Fact]
    public void Minus_one_is_max_and_unlimited_memory_lifts_swap()
    {
        var m = Created();
        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 64 * MiB, Swap = 64 * MiB }, Pids = new PidsResources { Limit = 5 } });
        Assert.Equal("0", Leaf("memory.swap.max")); // memory+swap == memory: no swap

        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = -1 }, Pids = new PidsResources { Limit = -1 }, Cpu = new CpuResources { Quota = -1 } });

        Assert.Equal("max", Leaf("memory.max"));
        Assert.Equal("max", Leaf("memory.swap.max"));
        Assert.Equal("max", Leaf("pids.max"));
        Assert.Equal("max", Leaf("cpu.max"));
    }

    [Fact]
    public void A_period_alone_keeps_the_current_quota()
    {
        var m = Created();
        _tree.Write("runa/c/cpu.max", "20000 100000\n");

        m.Set(new LinuxResources { Cpu = new CpuResources { Period = 50000 } });

        Assert.Equal("20000 50000", Leaf("cpu.max"));
    }

    [Fact]
    public void Unified_values_are_written_last_line_by_line()
    {
        var m = Created();

        m.Set(new LinuxResources
        {
            Memory = new MemoryResources { Limit = 64 * MiB },
            Unified = new() { ["memory.high"] = "50000000", ["io.max"] = "8:0 rbps=1\n8:16 wbps=2" },
        });

        Assert.Equal("50000000", Leaf("memory.high"));
        Assert.Equal(["8:0 rbps=1", "8:16 wbps=2"], Leaf("io.max").Split('\n'));
        Assert.Equal($"{64 * MiB}", Leaf("memory.max"));
    }

    [Fact]
    public void A_missing_controller_is_named_and_nothing_is_written()
    {
        var m = Created();
        File.Delete(Path.Combine(_tree.Root, "runa/c/memory.max")); // memory not enabled for this cgroup

        var e = Assert.Throws<InvalidCgroupConfigException>(() =>
            m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 64 * MiB }, Pids = new PidsResources { Limit = 7 } }));

        Assert.Contains("linux.resources.memory: controller memory not available", e.Message);
        Assert.Equal("max", Leaf("pids.max"));

        var unified = Assert.Throws<InvalidCgroupConfigException>(() => m.Set(new LinuxResources { Unified = new() { ["rdma.max"] = "x" } }));
        Assert.Contains("linux.resources.unified[\"rdma.max\"]: controller rdma not available", unified.Message);
    }

    [Fact]
    public void A_memory_limit_below_usage_is_refused()
    {
        var m = Created();
        _tree.Write("runa/c/memory.current", $"{10 * MiB}\n");
        _tree.Write("runa/c/memory.stat", $"anon {9 * MiB}\nfile {MiB}\ninactive_file {MiB}\n");

        var e = Assert.Throws<InvalidCgroupConfigException>(() => m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 5 * MiB } }));

        Assert.Equal($"linux.resources.memory.limit: {5 * MiB} is below current usage {9 * MiB}", e.Message);
        Assert.Equal("max", Leaf("memory.max"));
        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 9 * MiB } });
        Assert.Equal($"{9 * MiB}", Leaf("memory.max"));
    }

    [Fact]
    public void V1_only_knobs_are_accepted_with_warnings()
    {
        var m = Created();

        var warnings = m.Set(new LinuxResources
        {
            Memory = new MemoryResources { Kernel = MiB, KernelTcp = MiB, Swappiness = 10, DisableOomKiller = true },
            Network = new NetworkResources { ClassId = 42 },
            BlockIO = new BlockIoResources { LeafWeight = 100, WeightDevice = [new WeightDevice { Major = 8, Minor = 0, Weight = 100 }] },
        });

        Assert.Equal(
            ["linux.resources.memory.kernel", "linux.resources.memory.kernelTCP", "linux.resources.memory.swappiness",
             "linux.resources.memory.disableOOMKiller", "linux.resources.blockIO.leafWeight", "linux.resources.blockIO.weightDevice",
             "linux.resources.network.classID"],
            warnings.Select(w => w.Field));
    }

    [Fact]
    public void Device_rules_are_refused_by_default_and_reported_unenforced_when_accepted()
    {
        var rules = new LinuxResources { Devices = [new DeviceCgroupRule { Allow = false, Access = "rwm" }, new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" }] };

        var e = Assert.Throws<InvalidCgroupConfigException>(() => Created().Set(rules));
        Assert.Contains("eBPF", e.Message);

        var warnings = NewManager(devices: DeviceRulesOnV2.WarnUnenforced).Set(rules);
        Assert.Contains("NOT enforced", Assert.Single(warnings).Message);
    }

    [Fact]
    public async Task Freeze_waits_for_cgroup_events_frozen_then_thaws()
    {
        var m = Created();
        Assert.Equal(FreezerState.Thawed, m.GetFreezerState());

        var freezing = m.FreezeAsync();

        Wait.Assert(() => Leaf("cgroup.freeze") == "1", TimeSpan.FromSeconds(5), "cgroup.freeze to be written");
        Assert.False(freezing.IsCompleted, "Freeze must wait for the kernel to report frozen");
        Assert.Equal(FreezerState.Freezing, m.GetFreezerState());
        // The kernel reports completion in cgroup.events.
        _tree.Write("runa/c/cgroup.events", "populated 1\nfrozen 1\n");
        await freezing.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(FreezerState.Frozen, m.GetFreezerState());

        m.Thaw();
        Assert.Equal("0", Leaf("cgroup.freeze"));
        Assert.Equal(FreezerState.Thawed, m.GetFreezerState());
    }

    [Fact]
    public async Task A_freeze_that_never_completes_times_out_and_is_undone()
    {
        _tree.AddCgroup("runa/c");
        var m = CgroupManagerFactory.New("c", null, _tree.Options() with { FreezeTimeout = TimeSpan.FromMilliseconds(200) });
        m.Create();

        var e = await Assert.ThrowsAsync<RunaSystemException>(() => m.FreezeAsync());

        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains("cgroup.events", e.Message);
        Assert.Equal("0", Leaf("cgroup.freeze"));
    }

    [Fact]
    public unsafe void Oom_kill_count_and_the_inotify_notifier()
    {
        var m = Created();
        _tree.Write("runa/c/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
        Assert.Equal(1ul, m.OomKillCount());
        using var notifier = m.OpenOomNotifier();
        Assert.False(V1EventTests.Readable(notifier, TimeSpan.Zero));

        _tree.Write("runa/c/memory.events", "low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n");

        Assert.True(V1EventTests.Readable(notifier, TimeSpan.FromSeconds(5)));
        var check = notifier.Check();
        Assert.True(check.Signalled);
        Assert.Equal(3ul, check.OomKillCount);
        Assert.Equal(2ul, check.NewKills);
        Assert.False(V1EventTests.Readable(notifier, TimeSpan.Zero), "Check consumed the event");
        Assert.False(notifier.Check().KillCountRose);

        File.Delete(Path.Combine(_tree.Root, "runa/c/memory.events"));
        Assert.True(V1EventTests.Readable(notifier, TimeSpan.FromSeconds(5)));
        Assert.True(notifier.Check().CgroupRemoved);
    }

    [Fact]
    public void Stats_are_read_into_runcs_shape()
    {
        var m = Created();
        _tree.Write("runa/c/io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
        _tree.Write("runa/c/pids.current", "3\n");
        _tree.Write("runa/c/pids.max", "50\n");
        _tree.Write("runa/c/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");

        var s = m.GetStats();

        Assert.Equal(1_500_000ul, s.Cpu.Usage.Total);
        Assert.Equal(1_000_000ul, s.Cpu.Usage.User);
        Assert.Equal(500_000ul, s.Cpu.Usage.Kernel);
        Assert.Null(s.Cpu.Usage.Percpu);
        Assert.Equal(10ul, s.Cpu.Throttling.Periods);
        Assert.Equal(2ul, s.Cpu.Throttling.ThrottledPeriods);
        Assert.Equal(70_000ul, s.Cpu.Throttling.ThrottledTime);
        Assert.Equal(4096ul, s.Memory.Usage.Usage);
        Assert.Equal(ulong.MaxValue, s.Memory.Usage.Limit);
        Assert.Equal(8192ul, s.Memory.Usage.Max);
        Assert.Equal(4ul, s.Memory.Usage.Failcnt);
        Assert.Equal(4096ul, s.Memory.Raw!["anon"]);
        Assert.Equal(3ul, s.Pids.Current);
        Assert.Equal(50ul, s.Pids.Limit);
        Assert.Equal([0, 1, 2, 3], s.CpuSet.Cpus!.Select(c => (int)c));
        Assert.Equal(["Read:100", "Write:200", "Discard:0"], s.Blkio.IoServiceBytesRecursive!.Select(e => $"{e.Op}:{e.Value}"));
        Assert.Equal(["Read:1", "Write:2", "Discard:0"], s.Blkio.IoServicedRecursive!.Select(e => $"{e.Op}:{e.Value}"));
        Assert.Equal(["1GB", "2MB"], s.Hugetlb.Keys.Order());
    }

    [Fact]
    public async Task Destroy_kills_through_cgroup_kill()
    {
        var m = Created();

        // The fake directory keeps its files, so rmdir fails where cgroupfs would succeed:
        // the point here is that cgroup.kill was used, and that the failure names the path.
        var e = await Assert.ThrowsAsync<RunaSystemException>(() => m.DestroyAsync());

        Assert.Equal("1", Leaf("cgroup.kill"));
        Assert.Equal(Errno.ENOTEMPTY, e.Errno);
        Assert.Contains($"rmdir {_tree.Root}/runa/c", e.Message);
    }

    [Fact]
    public async Task Destroy_gives_up_clearly_when_processes_never_leave()
    {
        _tree.AddCgroup("runa/c");
        var m = CgroupManagerFactory.New("c", null, _tree.Options() with { DestroyTimeout = TimeSpan.FromMilliseconds(300) });
        m.Create();
        _tree.Write("runa/c/cgroup.procs", "4194303\n"); // a pid that cannot exist (pid_max is lower)

        var e = await Assert.ThrowsAsync<RunaSystemException>(() => m.DestroyAsync());

        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains("4194303 are still in it", e.Message);
    }

    [Fact]
    public void A_symlink_in_the_cgroup_path_cannot_lead_outside_the_root()
    {
        var outside = Path.Combine(Path.GetTempPath(), "runa-outside-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(outside);
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(_tree.Root, "evil"), outside);
            var m = NewManager("/evil/c");

            var e = Assert.Throws<InvalidCgroupConfigException>(m.Create);

            Assert.Equal("linux.cgroupsPath", Assert.Single(e.Errors).Field);
            Assert.Contains("symbolic link", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(outside));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_symlinked_control_file_is_never_written_through()
    {
        var m = Created();
        var outside = Path.Combine(Path.GetTempPath(), "runa-outside-" + Guid.NewGuid().ToString("N")[..12]);
        File.WriteAllText(outside, "precious");
        try
        {
            var pidsMax = Path.Combine(_tree.Root, "runa/c/pids.max");
            File.Delete(pidsMax);
            File.CreateSymbolicLink(pidsMax, outside);

            var e = Assert.Throws<RunaSystemException>(() => m.Set(new LinuxResources { Pids = new PidsResources { Limit = 9 } }));

            Assert.Equal(Errno.ELOOP, e.Errno);
            Assert.StartsWith($"write {pidsMax} (\"9\"): ", e.Message);

            Assert.Equal("precious", File.ReadAllText(outside));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public void State_and_the_clone_into_cgroup_descriptor()
    {
        var m = Created();
        var loaded = CgroupManagerFactory.FromState(m.State, _tree.Options());
        Assert.Equal(m.Paths, loaded.Paths);
        Assert.True(loaded.Exists());

        using var fd = m.OpenCloneIntoCgroupFd();
        Assert.NotNull(fd);
        Assert.False(fd.IsInvalid);
    }

    [Fact]
    public void A_v1_layout_refuses_symlinks_too()
    {
        var root = Path.Combine(Path.GetTempPath(), "runa-fake-cgroup1-" + Guid.NewGuid().ToString("N")[..12]);
        var outside = root + "-outside";
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "devices"));
            Directory.CreateDirectory(Path.Combine(root, "memory"));
            Directory.CreateDirectory(outside);
            Directory.CreateSymbolicLink(Path.Combine(root, "memory", "evil"), outside);
            var layout = CgroupLayout.ForLegacy(root, [new CgroupHierarchy(root + "/devices", ["devices"], false), new CgroupHierarchy(root + "/memory", ["memory"], false)]);
            var m = CgroupManagerFactory.New("c", "/evil/c", new CgroupOptions { Layout = layout, Machine = FakeCgroupV2Tree.Machine });

            var e = Assert.Throws<InvalidCgroupConfigException>(m.Create);

            Assert.Contains("linux.cgroupsPath", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(outside));
            Assert.Null(m.OpenCloneIntoCgroupFd());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Hybrid_names_a_controller_that_sits_in_the_unified_hierarchy()
    {
        // This machine before hugetlb is mounted as v1: the controller is only in cgroup2.
        var root = Path.Combine(Path.GetTempPath(), "runa-fake-hybrid-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "devices"));
            Directory.CreateDirectory(Path.Combine(root, "unified"));
            File.WriteAllText(Path.Combine(root, "unified", "cgroup.controllers"), "hugetlb\n");
            var layout = CgroupLayout.ForLegacy(root, [new CgroupHierarchy(root + "/devices", ["devices"], false)], root + "/unified");
            var m = CgroupManagerFactory.New("c", null, new CgroupOptions { Layout = layout, Machine = FakeCgroupV2Tree.Machine });

            var e = Assert.Throws<InvalidCgroupConfigException>(() =>
                m.Set(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "2MB", Limit = 1 }] }));

            Assert.Contains("linux.resources.hugepageLimits: controller hugetlb not available", e.Message);
            Assert.Contains("mount -t cgroup -o hugetlb", e.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
