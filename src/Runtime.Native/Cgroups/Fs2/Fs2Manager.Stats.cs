namespace Runa.Runtime.Cgroups;

/// <summary>Reading v2 statistics into runc's (v1-shaped) stats record.</summary>
internal sealed partial class Fs2Manager
{
    /// <inheritdoc/>
    public override CgroupStats GetStats()
    {
        using var dir = OpenLeaf(Primary);
        var stats = new CgroupStats();
        ReadMemory(dir, stats.Memory);
        if (dir.TryReadFile("cpu.stat") is { } cpuText)
        {
            // v2 counts microseconds; the record is in nanoseconds like v1.
            var cpu = CgroupParse.KeyValues(cpuText, dir.Join("cpu.stat"));
            stats.Cpu.Usage.Total = cpu.GetValueOrDefault("usage_usec") * 1000;
            stats.Cpu.Usage.User = cpu.GetValueOrDefault("user_usec") * 1000;
            stats.Cpu.Usage.Kernel = cpu.GetValueOrDefault("system_usec") * 1000;
            stats.Cpu.Throttling.Periods = cpu.GetValueOrDefault("nr_periods");
            stats.Cpu.Throttling.ThrottledPeriods = cpu.GetValueOrDefault("nr_throttled");
            stats.Cpu.Throttling.ThrottledTime = cpu.GetValueOrDefault("throttled_usec") * 1000;
        }
        stats.CpuSet.Cpus = Fs1Manager.Ids(dir, "cpuset.cpus.effective");
        stats.CpuSet.Mems = Fs1Manager.Ids(dir, "cpuset.mems.effective");
        if (dir.TryReadFile("pids.current") is { } current)
        {
            stats.Pids.Current = CgroupParse.ULong(current, dir.Join("pids.current"));
            var max = CgroupParse.ULong(dir.ReadFile("pids.max"), dir.Join("pids.max"));
            stats.Pids.Limit = max == ulong.MaxValue ? 0 : max;
        }
        else if (dir.TryReadFile("cgroup.procs") is { } procs)
        {
            stats.Pids.Current = (ulong)CgroupParse.Pids(procs, dir.Join("cgroup.procs")).Count;
        }
        if (dir.TryReadFile("io.stat") is { } io)
        {
            ReadIo(io, dir.Join("io.stat"), stats.Blkio);
        }
        foreach (var size in Machine.HugePageSizes)
        {
            var prefix = $"hugetlb.{size}.";
            if (dir.TryReadFile(prefix + "current") is { } usage)
            {
                var events = dir.TryReadFile(prefix + "events") is { } e ? CgroupParse.KeyValues(e, dir.Join(prefix + "events")) : [];
                stats.Hugetlb[size] = new HugetlbStats
                {
                    Usage = CgroupParse.ULong(usage, dir.Join(prefix + "current")),
                    Failcnt = events.GetValueOrDefault("max"),
                };
            }
        }
        return stats;
    }

    private static void ReadMemory(CgroupDirectory dir, MemoryStats memory)
    {
        if (dir.TryReadFile("memory.stat") is not { } statText)
        {
            return;
        }
        var raw = CgroupParse.KeyValues(statText, dir.Join("memory.stat"));
        memory.Raw = raw;
        memory.Cache = raw.GetValueOrDefault("file");
        var events = dir.TryReadFile("memory.events") is { } ev ? CgroupParse.KeyValues(ev, dir.Join("memory.events")) : [];
        memory.Usage = new MemoryEntry
        {
            Usage = Number(dir, "memory.current"),
            Limit = Number(dir, "memory.max"),
            Max = Number(dir, "memory.peak"),
            Failcnt = events.GetValueOrDefault("max"),
        };
        // v1 reported memory+swap; keep that meaning (runc does the same).
        var swapLimit = Number(dir, "memory.swap.max");
        memory.Swap = new MemoryEntry
        {
            Usage = Number(dir, "memory.swap.current") + memory.Usage.Usage,
            Limit = swapLimit == ulong.MaxValue || memory.Usage.Limit == ulong.MaxValue ? ulong.MaxValue : swapLimit + memory.Usage.Limit,
        };
    }

    private static ulong Number(CgroupDirectory dir, string file) =>
        dir.TryReadFile(file) is { } text ? CgroupParse.ULong(text, dir.Join(file)) : 0;

    /// <summary>io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device.</summary>
    internal static void ReadIo(string text, string source, BlkioStats blkio)
    {
        var bytes = new List<BlkioEntry>();
        var ios = new List<BlkioEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var device = fields[0].Split(':');
            if (device.Length != 2)
            {
                continue;
            }
            var major = CgroupParse.ULong(device[0], source);
            var minor = CgroupParse.ULong(device[1], source);
            foreach (var field in fields.Skip(1))
            {
                var kv = field.Split('=', 2);
                if (kv.Length != 2)
                {
                    continue;
                }
                var (list, op) = kv[0] switch
                {
                    "rbytes" => (bytes, "Read"),
                    "wbytes" => (bytes, "Write"),
                    "dbytes" => (bytes, "Discard"),
                    "rios" => (ios, "Read"),
                    "wios" => (ios, "Write"),
                    "dios" => (ios, "Discard"),
                    _ => (null, null),
                };
                list?.Add(new BlkioEntry { Major = major, Minor = minor, Op = op, Value = CgroupParse.ULong(kv[1], source) });
            }
        }
        blkio.IoServiceBytesRecursive = bytes.Count > 0 ? bytes : null;
        blkio.IoServicedRecursive = ios.Count > 0 ? ios : null;
    }
}
