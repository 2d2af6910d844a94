using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;
using Runa.Tests;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>Set on the real v1 controllers: every resource kind written and read back from the kernel's files.</summary>
public sealed class V1ResourceTests
{
    private const long MiB = 1024 * 1024;

    private static string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();

    [IntegrationFact]
    public async Task Memory_limits_are_written_and_read_back()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();

        var warnings = m.Set(new LinuxResources
        {
            Memory = new MemoryResources
            {
                Limit = 64 * MiB,
                Reservation = 32 * MiB,
                Swap = 96 * MiB,
                Swappiness = 10,
                KernelTcp = 16 * MiB,
                DisableOomKiller = true,
            },
        });

        var dir = m.Paths["memory"];
        Assert.Equal($"{64 * MiB}", Read(dir, "memory.limit_in_bytes"));
        Assert.Equal($"{32 * MiB}", Read(dir, "memory.soft_limit_in_bytes"));
        Assert.Equal($"{96 * MiB}", Read(dir, "memory.memsw.limit_in_bytes"));
        Assert.Equal("10", Read(dir, "memory.swappiness"));
        Assert.Equal($"{16 * MiB}", Read(dir, "memory.kmem.tcp.limit_in_bytes"));
        Assert.Contains("oom_kill_disable 1", Read(dir, "memory.oom_control"));
        Assert.Empty(warnings);

        // Growing both: memory+swap must be raised first, or the kernel refuses the limit.
        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 256 * MiB, Swap = 512 * MiB } });
        Assert.Equal($"{256 * MiB}", Read(dir, "memory.limit_in_bytes"));
        Assert.Equal($"{512 * MiB}", Read(dir, "memory.memsw.limit_in_bytes"));
        // Shrinking both: the limit first.
        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = 32 * MiB, Swap = 32 * MiB } });
        Assert.Equal($"{32 * MiB}", Read(dir, "memory.limit_in_bytes"));
        Assert.Equal($"{32 * MiB}", Read(dir, "memory.memsw.limit_in_bytes"));
        // Unlimited lifts swap too.
        m.Set(new LinuxResources { Memory = new MemoryResources { Limit = -1, DisableOomKiller = false } });
        Assert.Equal(Read("/sys/fs/cgroup/memory", "memory.limit_in_bytes"), Read(dir, "memory.limit_in_bytes"));
        Assert.Equal(Read("/sys/fs/cgroup/memory", "memory.memsw.limit_in_bytes"), Read(dir, "memory.memsw.limit_in_bytes"));
        Assert.Contains("oom_kill_disable 0", Read(dir, "memory.oom_control"));
    }

    [IntegrationFact]
    public async Task Kernel_memory_limit_that_the_kernel_ignores_is_reported_as_a_warning()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();

        var warnings = m.Set(new LinuxResources { Memory = new MemoryResources { Kernel = 16 * MiB } });

        var kept = Read(m.Paths["memory"], "memory.kmem.limit_in_bytes");
        if (kept == $"{16 * MiB}")
        {
            Assert.Empty(warnings); // an old kernel that still enforces it
        }
        else
        {
            var warning = Assert.Single(warnings);
            Assert.Equal("linux.resources.memory.kernel", warning.Field);
            Assert.Contains("not enforced", warning.Message);
        }
    }

    [IntegrationFact]
    public async Task A_memory_limit_below_current_usage_is_refused_before_writing()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        using var shell = sb.Shell("x=$(head -c 12000000 /dev/zero | tr '\\0' a); echo ready; read _");
        m.Apply(shell.Pid);
        var dir = m.Paths["memory"];
        var before = Read(dir, "memory.limit_in_bytes");
        shell.Release();
        Wait.Assert(() => shell.Output.Contains("ready"), TimeSpan.FromSeconds(20), "the shell to hold ~12 MB");
        Assert.True(ulong.Parse(Read(dir, "memory.usage_in_bytes")) > 8 * MiB);

        var error = Assert.Throws<InvalidCgroupConfigException>(() =>
            m.Set(new LinuxResources { Memory = new MemoryResources { Limit = MiB }, Pids = new PidsResources { Limit = 50 } }));

        Assert.StartsWith($"linux.resources.memory.limit: {MiB} is below current usage ", error.Message);
        Assert.Equal(before, Read(dir, "memory.limit_in_bytes"));
        Assert.Equal("max", Read(m.Paths["pids"], "pids.max")); // a failed validation changes nothing
    }

    [IntegrationFact]
    public async Task Cpu_shares_quota_period_burst_and_idle()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();
        var dir = m.Paths["cpu"];

        m.Set(new LinuxResources { Cpu = new CpuResources { Shares = 512, Quota = 50000, Period = 100000, Burst = 10000 } });

        Assert.Equal("512", Read(dir, "cpu.shares"));
        Assert.Equal("50000", Read(dir, "cpu.cfs_quota_us"));
        Assert.Equal("100000", Read(dir, "cpu.cfs_period_us"));
        Assert.Equal("10000", Read(dir, "cpu.cfs_burst_us"));

        // A shorter period with a quota that only fits the new ratio (period write retried after quota).
        m.Set(new LinuxResources { Cpu = new CpuResources { Quota = 20000, Period = 40000 } });
        Assert.Equal("20000", Read(dir, "cpu.cfs_quota_us"));
        Assert.Equal("40000", Read(dir, "cpu.cfs_period_us"));

        m.Set(new LinuxResources { Cpu = new CpuResources { Quota = -1 } });
        Assert.Equal("-1", Read(dir, "cpu.cfs_quota_us"));

        if (File.Exists(Path.Combine(dir, "cpu.idle")))
        {
            m.Set(new LinuxResources { Cpu = new CpuResources { Idle = 1 } });
            Assert.Equal("1", Read(dir, "cpu.idle"));
        }
    }

    [IntegrationFact]
    public async Task Cpu_realtime_runtime_and_period()
    {
        await using var sb = new CgroupSandbox();
        // Realtime runtime must fit in the parent's, and a new parent has none: use a cgroup
        // directly below the root (which has 950000 µs) for this one.
        var m = sb.Manager("rt", $"/{sb.Name}");
        m.Create();
        var dir = m.Paths["cpu"];
        if (!File.Exists(Path.Combine(dir, "cpu.rt_runtime_us")))
        {
            var error = Assert.Throws<InvalidCgroupConfigException>(() =>
                m.Set(new LinuxResources { Cpu = new CpuResources { RealtimeRuntime = 10000 } }));
            Assert.Contains("CONFIG_RT_GROUP_SCHED", error.Message);
            return;
        }

        m.Set(new LinuxResources { Cpu = new CpuResources { RealtimeRuntime = 10000, RealtimePeriod = 500000 } });

        Assert.Equal("10000", Read(dir, "cpu.rt_runtime_us"));
        Assert.Equal("500000", Read(dir, "cpu.rt_period_us"));

        // In a child of a cgroup without realtime runtime the kernel refuses: the hint says why.
        var child = sb.Manager("child", $"/{sb.Name}/norun/child");
        child.Create();
        var failure = Assert.Throws<RunaSystemException>(() =>
            child.Set(new LinuxResources { Cpu = new CpuResources { RealtimeRuntime = 1000 } }));
        Assert.Equal(Errno.EINVAL, failure.Errno);
        Assert.StartsWith($"write {child.Paths["cpu"]}/cpu.rt_runtime_us (\"1000\"): Invalid argument (EINVAL): ", failure.Message);
        Assert.Contains("parent", failure.Hint);
    }

    [IntegrationFact]
    public async Task Cpuset_cpus_and_mems()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();
        var machine = CgroupMachine.Current;
        var cpu = machine.OnlineCpus.Max();

        m.Set(new LinuxResources { Cpu = new CpuResources { Cpus = $"{cpu}", Mems = $"{machine.OnlineMems.Min()}" } });

        Assert.Equal($"{cpu}", Read(m.Paths["cpuset"], "cpuset.cpus"));
        Assert.Equal($"{machine.OnlineMems.Min()}", Read(m.Paths["cpuset"], "cpuset.mems"));
        Assert.Equal([(ushort)cpu], m.GetStats().CpuSet.Cpus);

        var error = Assert.Throws<InvalidCgroupConfigException>(() =>
            m.Set(new LinuxResources { Cpu = new CpuResources { Cpus = $"0-{cpu + 8}" } }));
        Assert.Contains("linux.resources.cpu.cpus", error.Message);
        Assert.Contains("does not have online", error.Message);
        Assert.Equal($"{cpu}", Read(m.Paths["cpuset"], "cpuset.cpus"));

        // CPUs the machine has but the parent does not allow: the kernel refuses (v1: EACCES), with a hint.
        if (machine.OnlineCpus.Count > 1)
        {
            var other = machine.OnlineCpus.Min();
            File.WriteAllText(sb.Dir("cpuset", "cpuset.cpus"), $"{cpu}");
            var failure = Assert.Throws<RunaSystemException>(() => m.Set(new LinuxResources { Cpu = new CpuResources { Cpus = $"{other}" } }));
            Assert.Equal(Errno.EACCES, failure.Errno);
            Assert.StartsWith($"write {m.Paths["cpuset"]}/cpuset.cpus (\"{other}\"): Permission denied (EACCES): ", failure.Message);
            Assert.Contains("parent cgroup's cpuset.cpus", failure.Message);
        }
    }

    [IntegrationFact]
    public async Task Pids_limit_and_unlimited()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();

        m.Set(new LinuxResources { Pids = new PidsResources { Limit = 42 } });
        Assert.Equal("42", Read(m.Paths["pids"], "pids.max"));
        Assert.Equal(42ul, m.GetStats().Pids.Limit);

        m.Set(new LinuxResources { Pids = new PidsResources { Limit = -1 } });
        Assert.Equal("max", Read(m.Paths["pids"], "pids.max"));
        Assert.Equal(0ul, m.GetStats().Pids.Limit);
    }

    [IntegrationFact]
    public async Task Pids_limit_stops_a_fork_bomb()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        // A non-interactive shell exits at its first failed fork ("can't fork"): the loop forks
        // until the kernel refuses, then the sleeps it managed to start are left.
        using var shell = sb.Shell("i=0; while [ $i -lt 60 ]; do sleep 1000 & i=$((i+1)); done; echo forked-all");
        m.Apply(shell.Pid);
        const int limit = 8;
        m.Set(new LinuxResources { Pids = new PidsResources { Limit = limit } });
        var dir = m.Paths["pids"];

        shell.Release();

        var maxSeen = 0;
        Wait.Assert(() =>
        {
            maxSeen = Math.Max(maxSeen, int.Parse(Read(dir, "pids.current")));
            return shell.HasExited;
        }, TimeSpan.FromSeconds(30), "the fork loop to hit the limit");
        Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.NotEqual(0, shell.ExitCode);
        Assert.Contains("can't fork", shell.Output);
        Assert.DoesNotContain("forked-all", shell.Output);
        Assert.InRange(maxSeen, 1, limit);
        Assert.Equal(limit - 1, m.GetAllPids().Count); // the sleeps; the shell made the 8th task and died
        Assert.True(CgroupParseEvents(Read(dir, "pids.events")) > 0, "pids.events counts the refused fork");
        Assert.Equal(limit, int.Parse(Read(dir, "pids.max")));

        await m.DestroyAsync();
        Assert.Empty(sb.Leftovers());
    }

    private static long CgroupParseEvents(string text) =>
        long.Parse(text.Split('\n').First(l => l.StartsWith("max ", StringComparison.Ordinal))[4..]);

    [IntegrationFact]
    public async Task Blkio_throttles_on_the_root_disk_and_weight_support_is_detected()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();
        var (major, minor) = RootDisk();
        var dir = m.Paths["blkio"];

        m.Set(new LinuxResources
        {
            BlockIO = new BlockIoResources
            {
                ThrottleReadBpsDevice = [new ThrottleDevice { Major = major, Minor = minor, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new ThrottleDevice { Major = major, Minor = minor, Rate = 2097152 }],
                ThrottleReadIopsDevice = [new ThrottleDevice { Major = major, Minor = minor, Rate = 100 }],
                ThrottleWriteIopsDevice = [new ThrottleDevice { Major = major, Minor = minor, Rate = 200 }],
            },
        });

        Assert.Equal($"{major}:{minor} 1048576", Read(dir, "blkio.throttle.read_bps_device"));
        Assert.Equal($"{major}:{minor} 2097152", Read(dir, "blkio.throttle.write_bps_device"));
        Assert.Equal($"{major}:{minor} 100", Read(dir, "blkio.throttle.read_iops_device"));
        Assert.Equal($"{major}:{minor} 200", Read(dir, "blkio.throttle.write_iops_device"));

        var weighted = new LinuxResources
        {
            BlockIO = new BlockIoResources
            {
                Weight = 300,
                ThrottleReadBpsDevice = [new ThrottleDevice { Major = major, Minor = minor, Rate = 0 }],
            },
        };
        var weightFile = new[] { "blkio.weight", "blkio.bfq.weight" }.FirstOrDefault(f => File.Exists(Path.Combine(dir, f)));
        if (weightFile is null)
        {
            // Proportional weights need BFQ on this kernel, and the disks here use another scheduler.
            var error = Assert.Throws<InvalidCgroupConfigException>(() => m.Set(weighted));
            Assert.Contains("linux.resources.blockIO.weight: not supported here", error.Message);
            Assert.Contains("BFQ", error.Message);
            Assert.Equal($"{major}:{minor} 1048576", Read(dir, "blkio.throttle.read_bps_device")); // unchanged
        }
        else
        {
            m.Set(weighted);
            Assert.Equal("300", Read(dir, weightFile).Split('\n')[0].Replace("default ", ""));
            Assert.Equal("", Read(dir, "blkio.throttle.read_bps_device")); // rate 0 removes the limit
        }
    }

    /// <summary>A whole disk of this machine (not loop/zram/ram), from /sys/block/*/dev.</summary>
    internal static (long Major, long Minor) RootDisk()
    {
        foreach (var dev in Directory.GetDirectories("/sys/block").Order())
        {
            var name = Path.GetFileName(dev);
            if (name.StartsWith("loop", StringComparison.Ordinal) || name.StartsWith("ram", StringComparison.Ordinal)
                || name.StartsWith("zram", StringComparison.Ordinal) || !File.Exists(Path.Combine(dev, "dev")))
            {
                continue;
            }
            var parts = File.ReadAllText(Path.Combine(dev, "dev")).Trim().Split(':');
            return (long.Parse(parts[0]), long.Parse(parts[1]));
        }
        throw new InvalidOperationException("no disk in /sys/block");
    }

    [IntegrationFact]
    public async Task Hugetlb_limits_on_a_v1_hugetlb_hierarchy()
    {
        HugetlbMount.Ensure();
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();
        var dir = m.Paths["hugetlb"];
        var sizes = CgroupMachine.Current.HugePageSizes;
        Assert.Contains("2MB", sizes);

        m.Set(new LinuxResources { HugepageLimits = sizes.Select(s => new HugepageLimit { PageSize = s, Limit = 1UL << 30 }).ToList() });

        foreach (var size in sizes)
        {
            Assert.Equal($"{1L << 30}", Read(dir, $"hugetlb.{size}.limit_in_bytes"));
            if (File.Exists(Path.Combine(dir, $"hugetlb.{size}.rsvd.limit_in_bytes")))
            {
                Assert.Equal($"{1L << 30}", Read(dir, $"hugetlb.{size}.rsvd.limit_in_bytes"));
            }
        }
        m.Set(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "2MB", Limit = 4 * MiB }] });
        Assert.Equal($"{4 * MiB}", Read(dir, "hugetlb.2MB.limit_in_bytes"));

        var error = Assert.Throws<InvalidCgroupConfigException>(() =>
            m.Set(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "16MB", Limit = 1 }] }));
        Assert.Contains("linux.resources.hugepageLimits[0].pageSize: this machine has no 16MB huge pages", error.Message);
        Assert.True(m.GetStats().Hugetlb.ContainsKey("2MB"));
    }

    [IntegrationFact]
    public async Task Devices_whitelist_is_written_enforced_and_updated_minimally()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        using var shell = sb.Shell(
            "echo hi > /dev/null && echo null-ok; " +
            "head -c 1 /dev/zero > /dev/null && echo zero-ok; " +
            "head -c 1 /dev/urandom > /dev/null 2>&1 || echo urandom-denied");
        m.Apply(shell.Pid);
        var dir = m.Paths["devices"];

        m.Set(new LinuxResources
        {
            Devices =
            [
                new DeviceCgroupRule { Allow = false, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "r" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 9, Access = "rwm" },
                new DeviceCgroupRule { Allow = false, Type = "c", Major = 1, Minor = 9, Access = "rwm" },
            ],
        });

        Assert.Equal(["c 1:3 rwm", "c 1:5 r"], File.ReadAllLines(Path.Combine(dir, "devices.list")));
        shell.Release();
        Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("null-ok", shell.Output);
        Assert.Contains("zero-ok", shell.Output);
        Assert.Contains("urandom-denied", shell.Output);

        // An update: /dev/zero loses read, /dev/full (1:7) is added; /dev/null keeps access throughout.
        m.Set(new LinuxResources
        {
            Devices =
            [
                new DeviceCgroupRule { Allow = false, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 7, Access = "rw" },
            ],
        });
        Assert.Equal(["c 1:3 rwm", "c 1:7 rw"], File.ReadAllLines(Path.Combine(dir, "devices.list")));

        // Allow-all again.
        m.Set(new LinuxResources { Devices = [new DeviceCgroupRule { Allow = true, Access = "rwm" }] });
        Assert.Equal(["a *:* rwm"], File.ReadAllLines(Path.Combine(dir, "devices.list")));
    }

    [IntegrationFact]
    public async Task Unified_resources_are_refused_on_v1_with_a_clear_error()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        m.Create();

        var error = Assert.Throws<InvalidCgroupConfigException>(() =>
            m.Set(new LinuxResources { Unified = new() { ["memory.high"] = "1000000" } }));

        Assert.Contains("linux.resources.unified: needs cgroup v2, but this host uses cgroup v1", error.Message);
    }

    [IntegrationFact]
    public async Task Stats_have_sane_values_and_runc_shape()
    {
        await using var sb = new CgroupSandbox();
        var m = sb.Manager();
        using var shell = sb.Shell("i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; x=$(head -c 4000000 /dev/zero | tr '\\0' a); echo ready; read _");
        m.Apply(shell.Pid);
        m.Set(new LinuxResources { Pids = new PidsResources { Limit = 100 }, Memory = new MemoryResources { Limit = 512 * MiB } });
        shell.Release();
        Wait.Assert(() => shell.Output.Contains("ready"), TimeSpan.FromSeconds(30), "the shell to burn CPU and hold memory");

        var stats = m.GetStats();

        Assert.True(stats.Cpu.Usage.Total > 0);
        Assert.True(stats.Cpu.Usage.User + stats.Cpu.Usage.Kernel > 0);
        Assert.Equal(CgroupMachine.Current.OnlineCpus.Count, stats.Cpu.Usage.Percpu!.Count);
        Assert.True(stats.Memory.Usage.Usage > 2 * (ulong)MiB, $"usage {stats.Memory.Usage.Usage}");
        Assert.Equal(512 * (ulong)MiB, stats.Memory.Usage.Limit);
        Assert.True(stats.Memory.Usage.Max >= stats.Memory.Usage.Usage);
        Assert.True(stats.Memory.Raw!.ContainsKey("rss"));
        Assert.Equal(1ul, stats.Pids.Current);
        Assert.Equal(100ul, stats.Pids.Limit);

        var json = System.Text.Json.JsonSerializer.Serialize(stats, CgroupJson.Default.CgroupStats);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("cpu").GetProperty("usage").GetProperty("total").GetUInt64() > 0);
        Assert.True(doc.RootElement.GetProperty("memory").GetProperty("usage").GetProperty("usage").GetUInt64() > 0);
        Assert.Equal(1ul, doc.RootElement.GetProperty("pids").GetProperty("current").GetUInt64());
        Assert.True(doc.RootElement.TryGetProperty("blkio", out _));
        Assert.True(doc.RootElement.GetProperty("cpu").TryGetProperty("throttling", out _));
    }
}
