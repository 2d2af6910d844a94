using Runa.Runtime.Cgroups;
using Runa.Runtime.Oci;
using Xunit;

namespace Runa.Native.Tests.Cgroups;

/// <summary>The validator alone: pure, no root, a fake 4-CPU, 1-node machine with 2MB and 1GB pages.</summary>
public sealed class CgroupResourceValidatorTests
{
    private static readonly CgroupMachine s_machine = new(
        new SortedSet<int> { 0, 1, 2, 3 }, new SortedSet<int> { 0 }, new SortedSet<string> { "2MB", "1GB" });

    private static IReadOnlyList<CgroupConfigError> V1(LinuxResources r) => CgroupResourceValidator.Validate(r, s_machine, CgroupMode.Hybrid);

    private static IReadOnlyList<CgroupConfigError> V2(LinuxResources r, DeviceRulesOnV2 policy = DeviceRulesOnV2.Reject) =>
        CgroupResourceValidator.Validate(r, s_machine, CgroupMode.Unified, policy);

    private static CgroupConfigError Single(IReadOnlyList<CgroupConfigError> errors, string field)
    {
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        return error;
    }

    [Fact]
    public void A_typical_container_config_is_valid()
    {
        var r = new LinuxResources
        {
            Memory = new MemoryResources { Limit = 512 << 20, Reservation = 256 << 20, Swap = 1024 << 20, Swappiness = 60 },
            Cpu = new CpuResources { Shares = 1024, Quota = 50000, Period = 100000, Cpus = "0-2", Mems = "0" },
            Pids = new PidsResources { Limit = 4096 },
            BlockIO = new BlockIoResources { Weight = 500, ThrottleReadBpsDevice = [new ThrottleDevice { Major = 8, Minor = 0, Rate = 1 << 20 }] },
            HugepageLimits = [new HugepageLimit { PageSize = "2MB", Limit = 1 << 30 }],
            Devices =
            [
                new DeviceCgroupRule { Allow = false, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 136, Access = "rwm" },
            ],
        };
        Assert.Empty(V1(r));
        Assert.Empty(V2(r, DeviceRulesOnV2.WarnUnenforced));
    }

    [Theory]
    [InlineData(-2L, null, "linux.resources.memory.limit")]
    [InlineData(null, -5L, "linux.resources.memory.swap")]
    [InlineData(100L << 20, 50L << 20, "linux.resources.memory.swap")]
    public void Memory_limits(long? limit, long? swap, string field)
    {
        var error = Single(V1(new LinuxResources { Memory = new MemoryResources { Limit = limit, Swap = swap } }), field);
        Assert.Contains(field == "linux.resources.memory.swap" && swap > 0 ? "is below linux.resources.memory.limit" : "must be -1", error.Message);
    }

    [Fact]
    public void Small_positive_memory_limits_are_left_to_the_kernel_and_minus_one_means_unlimited()
    {
        Assert.Empty(V1(new LinuxResources { Memory = new MemoryResources { Limit = 4096, Swap = -1, Reservation = -1 } }));
        Assert.Empty(V1(new LinuxResources { Memory = new MemoryResources { Limit = -1, Swap = 123456789 } }));
    }

    [Fact]
    public void Memory_other_fields()
    {
        Single(V1(new LinuxResources { Memory = new MemoryResources { Swappiness = 101 } }), "linux.resources.memory.swappiness");
        Single(V1(new LinuxResources { Memory = new MemoryResources { Kernel = -7 } }), "linux.resources.memory.kernel");
        Single(V1(new LinuxResources { Memory = new MemoryResources { KernelTcp = -7 } }), "linux.resources.memory.kernelTCP");
        Single(V1(new LinuxResources { Memory = new MemoryResources { Limit = 1 << 20, Reservation = 2 << 20 } }), "linux.resources.memory.reservation");
        // v2 needs the limit to turn memory+swap into swap.
        Single(V2(new LinuxResources { Memory = new MemoryResources { Swap = 1 << 30 } }), "linux.resources.memory.swap");
        Assert.Empty(V1(new LinuxResources { Memory = new MemoryResources { Swap = 1 << 30 } }));
    }

    [Theory]
    [InlineData(1UL, "must be at least 2")]
    [InlineData(262145UL, "at most 262144")]
    public void Cpu_shares(ulong shares, string message) =>
        Assert.Contains(message, Single(V1(new LinuxResources { Cpu = new CpuResources { Shares = shares } }), "linux.resources.cpu.shares").Message);

    [Fact]
    public void Cpu_quota_period_burst_idle_realtime()
    {
        Single(V1(new LinuxResources { Cpu = new CpuResources { Quota = -3 } }), "linux.resources.cpu.quota");
        Single(V1(new LinuxResources { Cpu = new CpuResources { Quota = 500 } }), "linux.resources.cpu.quota");
        Single(V1(new LinuxResources { Cpu = new CpuResources { Period = 999 } }), "linux.resources.cpu.period");
        Single(V1(new LinuxResources { Cpu = new CpuResources { Period = 1000001 } }), "linux.resources.cpu.period");
        Single(V1(new LinuxResources { Cpu = new CpuResources { Quota = 10000, Burst = 20000 } }), "linux.resources.cpu.burst");
        Single(V1(new LinuxResources { Cpu = new CpuResources { Idle = 2 } }), "linux.resources.cpu.idle");
        Single(V1(new LinuxResources { Cpu = new CpuResources { RealtimeRuntime = 2000, RealtimePeriod = 1000 } }), "linux.resources.cpu.realtimeRuntime");
        Assert.Empty(V1(new LinuxResources { Cpu = new CpuResources { Quota = -1, Period = 1000, RealtimeRuntime = -1, Idle = 1 } }));
        Assert.Contains("cgroup v2", Single(V2(new LinuxResources { Cpu = new CpuResources { RealtimeRuntime = 1000 } }), "linux.resources.cpu.realtimeRuntime").Message);
    }

    [Theory]
    [InlineData("0-3")]
    [InlineData("0,2")]
    [InlineData(" 1-2\n")]
    [InlineData("0-3:1/2")]
    public void Cpusets_within_the_machine_are_valid(string cpus) =>
        Assert.Empty(V1(new LinuxResources { Cpu = new CpuResources { Cpus = cpus } }));

    [Theory]
    [InlineData("0-7", "names CPU 4-7, which this machine does not have online")]
    [InlineData("5", "names CPU 5,")]
    [InlineData("", "is empty")]
    [InlineData("1-", "malformed range")]
    [InlineData("3-1", "descending range")]
    [InlineData("a", "malformed element")]
    [InlineData("0,,1", "empty element")]
    [InlineData("0-3:3/2", "malformed stride")]
    public void Cpusets_malformed_or_beyond_the_machine_are_errors(string cpus, string message)
    {
        var error = Single(V1(new LinuxResources { Cpu = new CpuResources { Cpus = cpus } }), "linux.resources.cpu.cpus");
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Mems_beyond_the_machine_are_errors()
    {
        var error = Single(V1(new LinuxResources { Cpu = new CpuResources { Mems = "0-1" } }), "linux.resources.cpu.mems");
        Assert.Contains("memory node 1", error.Message);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-2L)]
    public void Pids_limit_zero_or_below_minus_one(long limit) =>
        Single(V1(new LinuxResources { Pids = new PidsResources { Limit = limit } }), "linux.resources.pids.limit");

    [Fact]
    public void Blkio_weights_and_devices()
    {
        Single(V1(new LinuxResources { BlockIO = new BlockIoResources { Weight = 9 } }), "linux.resources.blockIO.weight");
        Single(V1(new LinuxResources { BlockIO = new BlockIoResources { Weight = 1001 } }), "linux.resources.blockIO.weight");
        Single(V1(new LinuxResources { BlockIO = new BlockIoResources { LeafWeight = 0 } }), "linux.resources.blockIO.leafWeight");
        Single(V1(new LinuxResources { BlockIO = new BlockIoResources { WeightDevice = [new WeightDevice { Major = 8, Minor = 0, Weight = 5 }] } }),
            "linux.resources.blockIO.weightDevice[0].weight");
        Single(V1(new LinuxResources { BlockIO = new BlockIoResources { ThrottleWriteIopsDevice = [new ThrottleDevice { Major = -1, Minor = 0 }] } }),
            "linux.resources.blockIO.throttleWriteIOPSDevice[0]");
        Assert.Empty(V1(new LinuxResources { BlockIO = new BlockIoResources { Weight = 10, LeafWeight = 1000 } }));
    }

    [Fact]
    public void Hugepages()
    {
        Assert.Contains("this machine has no 16MB huge pages (it has: 1GB, 2MB)",
            Single(V1(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "16MB" }] }), "linux.resources.hugepageLimits[0].pageSize").Message);
        Single(V1(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "2M" }] }), "linux.resources.hugepageLimits[0].pageSize");
        Single(V1(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "../2MB" }] }), "linux.resources.hugepageLimits[0].pageSize");
        Single(V1(new LinuxResources { HugepageLimits = [new HugepageLimit { PageSize = "2MB" }, new HugepageLimit { PageSize = "2MB" }] }),
            "linux.resources.hugepageLimits[1].pageSize");
    }

    [Fact]
    public void Device_rules()
    {
        Assert.Contains("not a device type", Single(V1(new LinuxResources { Devices = [new DeviceCgroupRule { Type = "p", Access = "rwm" }] }),
            "linux.resources.devices[0].type").Message);
        Assert.Contains("not an access mode", Single(V1(new LinuxResources { Devices = [new DeviceCgroupRule { Type = "c", Access = "rwx" }] }),
            "linux.resources.devices[0].access").Message);
        Single(V1(new LinuxResources { Devices = [new DeviceCgroupRule { Type = "c", Access = "" }] }), "linux.resources.devices[0].access");
        Single(V1(new LinuxResources { Devices = [new DeviceCgroupRule { Type = "b", Major = -2, Access = "r" }] }), "linux.resources.devices[0].major");
        // "a" always means everything: a narrower-looking "a" rule would be widened silently.
        Single(V1(new LinuxResources { Devices = [new DeviceCgroupRule { Type = "a", Major = 1, Access = "rwm" }] }), "linux.resources.devices[0]");
        Single(V1(new LinuxResources { Devices = [new DeviceCgroupRule { Allow = false, Access = "r" }] }), "linux.resources.devices[0].access");
        // Denying part of a wildcard allow cannot be expressed in v1.
        var hole = Single(V1(new LinuxResources
        {
            Devices =
            [
                new DeviceCgroupRule { Allow = false, Access = "rwm" },
                new DeviceCgroupRule { Allow = true, Type = "c", Major = 1, Access = "rwm" },
                new DeviceCgroupRule { Allow = false, Type = "c", Major = 1, Minor = 5, Access = "w" },
            ],
        }), "linux.resources.devices[2]");
        Assert.Contains("punch a hole", hole.Message);
    }

    [Fact]
    public void Device_rules_on_v2_are_refused_unless_the_caller_accepts_running_unconfined()
    {
        var restrictive = new LinuxResources { Devices = [new DeviceCgroupRule { Allow = false, Access = "rwm" }] };
        Assert.Contains("eBPF", Single(V2(restrictive), "linux.resources.devices").Message);
        Assert.Empty(V2(restrictive, DeviceRulesOnV2.WarnUnenforced));
        // Rules that allow everything need no program.
        Assert.Empty(V2(new LinuxResources { Devices = [new DeviceCgroupRule { Allow = false, Access = "rwm" }, new DeviceCgroupRule { Allow = true, Access = "rwm" }] }));
        // An empty list is not "no rules" but deny-all (the list is evaluated from deny-all, as in runc).
        Single(V2(new LinuxResources { Devices = [] }), "linux.resources.devices");
        Assert.Empty(V1(new LinuxResources { Devices = [] }));
    }

    [Fact]
    public void Unified_is_v2_only_and_keys_are_file_names()
    {
        Assert.Contains("needs cgroup v2", Single(V1(new LinuxResources { Unified = new() { ["memory.high"] = "1" } }), "linux.resources.unified").Message);
        Assert.Empty(V2(new LinuxResources { Unified = new() { ["memory.high"] = "1", ["io.max"] = "8:0 rbps=1" } }));
        Single(V2(new LinuxResources { Unified = new() { ["../../etc/passwd"] = "x" } }), "linux.resources.unified[\"../../etc/passwd\"]");
        Single(V2(new LinuxResources { Unified = new() { ["memoryhigh"] = "x" } }), "linux.resources.unified[\"memoryhigh\"]");
        Assert.Contains("managed by the runtime", Single(V2(new LinuxResources { Unified = new() { ["cgroup.kill"] = "1" } }), "linux.resources.unified[\"cgroup.kill\"]").Message);
    }

    [Fact]
    public void All_problems_are_reported_together()
    {
        var r = new LinuxResources
        {
            Memory = new MemoryResources { Limit = -9 },
            Pids = new PidsResources { Limit = 0 },
            Cpu = new CpuResources { Cpus = "9" },
        };
        var e = Assert.Throws<InvalidCgroupConfigException>(() => CgroupResourceValidator.ThrowIfInvalid(r, s_machine, CgroupMode.Legacy));
        Assert.Equal(["linux.resources.memory.limit", "linux.resources.cpu.cpus", "linux.resources.pids.limit"], e.Errors.Select(x => x.Field));
        Assert.Contains("; ", e.Message);
    }
}
