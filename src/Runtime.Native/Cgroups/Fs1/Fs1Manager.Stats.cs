using System.Globalization;

namespace Runa.Runtime.Cgroups;

/// <summary>Reading v1 statistics.</summary>
internal sealed partial class Fs1Manager
{
    /// <summary>USER_HZ: cpuacct.stat counts in these ticks; it is 100 in the Linux ABI on every architecture.</summary>
    private const ulong UserHz = 100;

    /// <summary>Blkio stat file sets in order of preference (CFQ, BFQ, throttling); the first with data wins, as in runc.</summary>
    private static readonly string[][] s_blkioSets =
    [
        ["blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive", "blkio.io_queued_recursive", "blkio.io_service_time_recursive",
            "blkio.io_wait_time_recursive", "blkio.io_merged_recursive", "blkio.time_recursive", "blkio.sectors_recursive"],
        ["blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"],
        ["blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"],
        ["blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"],
    ];

    /// <inheritdoc/>
    public override CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        Read("memory", dir => ReadMemory(dir, stats.Memory));
        Read("cpuacct", dir => ReadCpuacct(dir, stats.Cpu.Usage));
        Read("cpu", dir =>
        {
            if (dir.TryReadFile("cpu.stat") is { } text)
            {
                var values = CgroupParse.KeyValues(text, dir.Join("cpu.stat"));
                stats.Cpu.Throttling.Periods = values.GetValueOrDefault("nr_periods");
                stats.Cpu.Throttling.ThrottledPeriods = values.GetValueOrDefault("nr_throttled");
                stats.Cpu.Throttling.ThrottledTime = values.GetValueOrDefault("throttled_time");
            }
        });
        Read("cpuset", dir => ReadCpuset(dir, stats.CpuSet));
        Read("pids", dir =>
        {
            stats.Pids.Current = Number(dir, "pids.current");
            var max = Number(dir, "pids.max");
            stats.Pids.Limit = max == ulong.MaxValue ? 0 : max;
        });
        Read("blkio", dir => ReadBlkio(dir, stats.Blkio));
        Read("hugetlb", dir =>
        {
            foreach (var size in Machine.HugePageSizes)
            {
                var prefix = $"hugetlb.{size}.";
                if (dir.Exists(prefix + "usage_in_bytes"))
                {
                    stats.Hugetlb[size] = new HugetlbStats
                    {
                        Usage = Number(dir, prefix + "usage_in_bytes"),
                        Max = Number(dir, prefix + "max_usage_in_bytes"),
                        Failcnt = Number(dir, prefix + "failcnt"),
                    };
                }
            }
        });
        return stats;
    }

    private void Read(string controller, Action<CgroupDirectory> read)
    {
        if (Controller(controller) is { } d)
        {
            using var dir = OpenLeaf(d);
            read(dir);
        }
    }

    private static ulong Number(CgroupDirectory dir, string file) =>
        dir.TryReadFile(file) is { } text ? CgroupParse.ULong(text, dir.Join(file)) : 0;

    private static void ReadMemory(CgroupDirectory dir, MemoryStats memory)
    {
        var raw = CgroupParse.KeyValues(dir.ReadFile("memory.stat"), dir.Join("memory.stat"));
        memory.Raw = raw;
        memory.Cache = raw.GetValueOrDefault("cache");
        memory.Usage = Entry(dir, "memory.");
        memory.Swap = Entry(dir, "memory.memsw.");
        memory.Kernel = Entry(dir, "memory.kmem.");
        memory.KernelTcp = Entry(dir, "memory.kmem.tcp.");
    }

    private static MemoryEntry Entry(CgroupDirectory dir, string prefix) => new()
    {
        Usage = Number(dir, prefix + "usage_in_bytes"),
        Max = Number(dir, prefix + "max_usage_in_bytes"),
        Failcnt = Number(dir, prefix + "failcnt"),
        Limit = Number(dir, prefix + "limit_in_bytes"),
    };

    private static void ReadCpuacct(CgroupDirectory dir, CpuUsage usage)
    {
        usage.Total = Number(dir, "cpuacct.usage");
        usage.Percpu = Percpu(dir, "cpuacct.usage_percpu");
        usage.PercpuKernel = Percpu(dir, "cpuacct.usage_percpu_sys");
        usage.PercpuUser = Percpu(dir, "cpuacct.usage_percpu_user");
        if (dir.TryReadFile("cpuacct.stat") is { } text)
        {
            var ticks = CgroupParse.KeyValues(text, dir.Join("cpuacct.stat"));
            usage.User = ticks.GetValueOrDefault("user") * (1_000_000_000 / UserHz);
            usage.Kernel = ticks.GetValueOrDefault("system") * (1_000_000_000 / UserHz);
        }
    }

    private static List<ulong>? Percpu(CgroupDirectory dir, string file) =>
        dir.TryReadFile(file) is { } text ? CgroupParse.Numbers(text, dir.Join(file)) is { Count: > 0 } list ? list : null : null;

    private static void ReadCpuset(CgroupDirectory dir, CpusetStats cpuset)
    {
        cpuset.Cpus = Ids(dir, "cpuset.cpus");
        cpuset.Mems = Ids(dir, "cpuset.mems");
        cpuset.CpuExclusive = Number(dir, "cpuset.cpu_exclusive");
        cpuset.MemExclusive = Number(dir, "cpuset.mem_exclusive");
        cpuset.MemHardwall = Number(dir, "cpuset.mem_hardwall");
        cpuset.MemoryMigrate = Number(dir, "cpuset.memory_migrate");
        cpuset.MemoryPressure = Number(dir, "cpuset.memory_pressure");
        cpuset.MemorySpreadPage = Number(dir, "cpuset.memory_spread_page");
        cpuset.MemorySpreadSlab = Number(dir, "cpuset.memory_spread_slab");
        cpuset.SchedLoadBalance = Number(dir, "cpuset.sched_load_balance");
        if (dir.TryReadFile("cpuset.sched_relax_domain_level") is { } level)
        {
            cpuset.SchedRelaxDomainLevel = long.Parse(level.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
    }

    internal static List<ushort>? Ids(CgroupDirectory dir, string file) =>
        dir.TryReadFile(file) is { } text && CpuList.ParseKernel(text, dir.Join(file)) is { Count: > 0 } ids
            ? ids.Select(i => (ushort)i).ToList()
            : null;

    private static void ReadBlkio(CgroupDirectory dir, BlkioStats blkio)
    {
        foreach (var set in s_blkioSets)
        {
            var first = dir.TryReadFile(set[0]) is { } text ? ParseBlkio(text, dir.Join(set[0])) : null;
            if (first is not { Count: > 0 })
            {
                continue;
            }
            blkio.IoServiceBytesRecursive = first;
            blkio.IoServicedRecursive = Blkio(dir, set[1]);
            if (set.Length == 8)
            {
                blkio.IoQueuedRecursive = Blkio(dir, set[2]);
                blkio.IoServiceTimeRecursive = Blkio(dir, set[3]);
                blkio.IoWaitTimeRecursive = Blkio(dir, set[4]);
                blkio.IoMergedRecursive = Blkio(dir, set[5]);
                blkio.IoTimeRecursive = Blkio(dir, set[6]);
                blkio.SectorsRecursive = Blkio(dir, set[7]);
            }
            return;
        }
    }

    private static List<BlkioEntry>? Blkio(CgroupDirectory dir, string file) =>
        dir.TryReadFile(file) is { } text && ParseBlkio(text, dir.Join(file)) is { Count: > 0 } list ? list : null;

    /// <summary>"8:0 Read 1282048" lines (and "8:0 6792" for sectors/time); the trailing "Total N" is skipped.</summary>
    internal static List<BlkioEntry> ParseBlkio(string text, string source)
    {
        var entries = new List<BlkioEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 2 && fields[0] == "Total")
            {
                continue;
            }
            var device = fields[0].Split(':');
            if (device.Length != 2 || fields.Length is < 2 or > 3)
            {
                throw new FormatException($"{source}: malformed line {CgroupErrors.Quote(line)}");
            }
            entries.Add(new BlkioEntry
            {
                Major = CgroupParse.ULong(device[0], source),
                Minor = CgroupParse.ULong(device[1], source),
                Op = fields.Length == 3 ? fields[1] : null,
                Value = CgroupParse.ULong(fields[^1], source),
            });
        }
        return entries;
    }
}
