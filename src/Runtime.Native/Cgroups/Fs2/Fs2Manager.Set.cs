using Runa.Runtime.Interop;
using Runa.Runtime.Oci;

namespace Runa.Runtime.Cgroups;

/// <summary>Writing linux.resources to v2 files, with runc's v1 → v2 conversions.</summary>
internal sealed partial class Fs2Manager
{
    private const string P = "linux.resources";

    /// <inheritdoc/>
    protected override void Preflight(LinuxResources r, List<CgroupConfigError> errors)
    {
        using var dir = OpenLeaf(Primary);
        if (r.Memory is { } m && (m.Limit is not (null or 0) || m.Swap is not (null or 0) || m.Reservation is not (null or 0)))
        {
            if (Need(dir, "memory.max", $"{P}.memory", errors))
            {
                CheckUsage(dir, m, errors);
                var swap = CgroupConversions.MemorySwapToV2(m.Swap, m.Limit);
                if (swap is > 0 && !dir.Exists("memory.swap.max"))
                {
                    errors.Add(new($"{P}.memory.swap", "swap accounting is not available (no memory.swap.max: kernel without CONFIG_SWAP / CONFIG_MEMCG_SWAP, or swapaccount=0)"));
                }
            }
        }
        if (r.Cpu is { } c)
        {
            if (c.Shares is not (null or 0) || c.Quota is not (null or 0) || c.Period is not (null or 0) || c.Burst is not null)
            {
                Need(dir, "cpu.max", $"{P}.cpu", errors);
            }
            if (c.Idle is not null && !dir.Exists("cpu.idle"))
            {
                errors.Add(new($"{P}.cpu.idle", "not supported by this kernel (no cpu.idle; needs Linux 5.15)"));
            }
            if (c.Cpus is not null || c.Mems is not null)
            {
                Need(dir, "cpuset.cpus", $"{P}.cpu.{(c.Cpus is not null ? "cpus" : "mems")}", errors);
            }
        }
        if (r.Pids is not null)
        {
            Need(dir, "pids.max", $"{P}.pids.limit", errors);
        }
        if (r.BlockIO is { } io)
        {
            if (io.Weight is not null && !dir.Exists("io.bfq.weight"))
            {
                Need(dir, "io.weight", $"{P}.blockIO.weight", errors);
            }
            if (HasThrottles(io))
            {
                Need(dir, "io.max", $"{P}.blockIO", errors);
            }
        }
        for (var i = 0; r.HugepageLimits is not null && i < r.HugepageLimits.Count; i++)
        {
            Need(dir, $"hugetlb.{r.HugepageLimits[i].PageSize}.max", $"{P}.hugepageLimits[{i}].pageSize", errors);
        }
        if (r.Unified is { } unified)
        {
            foreach (var key in unified.Keys)
            {
                Need(dir, key, $"{P}.unified[{CgroupErrors.Quote(key)}]", errors);
            }
        }
    }

    /// <inheritdoc/>
    protected override void Write(LinuxResources r, List<CgroupWarning> warnings)
    {
        using var dir = OpenLeaf(Primary);
        if (r.Cpu is { } cpuset)
        {
            if (cpuset.Cpus is { } cpus)
            {
                dir.WriteFile("cpuset.cpus", cpus.Trim(), CpusetHint);
            }
            if (cpuset.Mems is { } mems)
            {
                dir.WriteFile("cpuset.mems", mems.Trim(), CpusetHint);
            }
        }
        if (r.Devices is { } devices)
        {
            var errors = new List<CgroupConfigError>();
            if (!CgroupResourceValidator.BuildDeviceRules(devices, errors).IsAllowAll)
            {
                // Only reachable with DeviceRulesOnV2.WarnUnenforced: Reject fails validation.
                warnings.Add(new($"{P}.devices",
                    "NOT enforced: device rules on cgroup v2 need an eBPF program, which Runa does not load yet; the container can use any device node it can create or open"));
            }
        }
        if (r.Memory is { } memory)
        {
            WriteMemory(dir, memory, warnings);
        }
        if (r.Cpu is { } cpu)
        {
            WriteCpu(dir, cpu);
        }
        if (r.Pids is { } pids)
        {
            dir.WriteFile("pids.max", CgroupConversions.V2Limit(pids.Limit));
        }
        if (r.BlockIO is { } io)
        {
            WriteIo(dir, io, warnings);
        }
        if (r.HugepageLimits is { Count: > 0 } huge)
        {
            foreach (var limit in huge)
            {
                var value = CgroupParse.Str(limit.Limit);
                dir.WriteFile($"hugetlb.{limit.PageSize}.max", value);
                if (dir.Exists($"hugetlb.{limit.PageSize}.rsvd.max"))
                {
                    dir.WriteFile($"hugetlb.{limit.PageSize}.rsvd.max", value);
                }
            }
        }
        if (r.Network?.ClassId is not null)
        {
            warnings.Add(new($"{P}.network.classID", "ignored: cgroup v2 has no net_cls controller (match the cgroup path in nftables/BPF instead)"));
        }
        // Last, so explicit unified values override the converted ones (as in runc).
        if (r.Unified is { } unified)
        {
            foreach (var (key, value) in unified)
            {
                dir.WriteLines(key, value.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }
    }

    private static bool HasThrottles(BlockIoResources io) =>
        io.ThrottleReadBpsDevice is { Count: > 0 } || io.ThrottleWriteBpsDevice is { Count: > 0 }
        || io.ThrottleReadIopsDevice is { Count: > 0 } || io.ThrottleWriteIopsDevice is { Count: > 0 };

    /// <summary>Records a missing file as "controller X not available"; true if present.</summary>
    private static bool Need(CgroupDirectory dir, string file, string field, List<CgroupConfigError> errors)
    {
        if (dir.Exists(file))
        {
            return true;
        }
        var controller = CgroupErrors.ControllerOf(file);
        errors.Add(new(field, $"controller {controller} not available: {dir.Path} has no {file} (is {controller} in the parent's cgroup.subtree_control? the kernel lists what it has in cgroup.controllers)"));
        return false;
    }

    private static void CheckUsage(CgroupDirectory dir, MemoryResources memory, List<CgroupConfigError> errors)
    {
        if (memory.Limit is not > 0)
        {
            return;
        }
        // On v2 a memory.max below usage does not fail: the kernel reclaims and then OOM-kills.
        // Refuse it here, counting only what reclaim cannot drop (usage minus inactive file cache).
        var usage = CgroupParse.ULong(dir.ReadFile("memory.current"), dir.Join("memory.current"));
        var stat = dir.TryReadFile("memory.stat") is { } text ? CgroupParse.KeyValues(text, dir.Join("memory.stat")) : [];
        var inactive = stat.GetValueOrDefault("inactive_file");
        var inUse = usage > inactive ? usage - inactive : 0;
        if ((ulong)memory.Limit.Value < inUse)
        {
            errors.Add(new($"{P}.memory.limit", $"{memory.Limit} is below current usage {inUse}"));
        }
    }

    private static void WriteMemory(CgroupDirectory dir, MemoryResources m, List<CgroupWarning> warnings)
    {
        var limit = m.Limit is 0 ? null : m.Limit;
        // OCI swap is memory+swap (v1); v2 limits swap alone.
        var swap = CgroupConversions.MemorySwapToV2(m.Swap, limit);
        if (swap is { } s && (dir.Exists("memory.swap.max") || s is not (-1 or 0)))
        {
            // Without swap accounting, "no limit" and "no swap" already hold: only a real
            // swap limit needs the file (and fails clearly without it).
            dir.WriteFile("memory.swap.max", CgroupConversions.V2Limit(s));
        }
        if (limit is { } l)
        {
            dir.WriteFile("memory.max", CgroupConversions.V2Limit(l));
        }
        if (m.Reservation is { } reservation and not 0)
        {
            dir.WriteFile("memory.low", CgroupConversions.V2Limit(reservation));
        }
        if (m.Kernel is not null)
        {
            warnings.Add(new($"{P}.memory.kernel", "ignored: cgroup v2 has no separate kernel memory limit (kernel memory counts against memory.max)"));
        }
        if (m.KernelTcp is not null)
        {
            warnings.Add(new($"{P}.memory.kernelTCP", "ignored: cgroup v2 has no separate TCP buffer limit (it counts against memory.max)"));
        }
        if (m.Swappiness is not null)
        {
            warnings.Add(new($"{P}.memory.swappiness", "ignored: cgroup v2 has no per-cgroup swappiness"));
        }
        if (m.DisableOomKiller is true)
        {
            warnings.Add(new($"{P}.memory.disableOOMKiller", "ignored: cgroup v2 cannot disable the OOM killer for a cgroup"));
        }
    }

    private static void WriteCpu(CgroupDirectory dir, CpuResources c)
    {
        if (c.Idle is { } idle)
        {
            dir.WriteFile("cpu.idle", CgroupParse.Str(idle));
        }
        if (c.Shares is { } shares and not 0)
        {
            dir.WriteFile("cpu.weight", CgroupParse.Str(CgroupConversions.CpuSharesToWeight(shares)));
        }
        var quota = c.Quota is 0 ? null : c.Quota;
        var period = c.Period is 0 ? null : c.Period;
        var burstPending = false;
        if (c.Burst is { } burst)
        {
            // Rejected (EINVAL) while above the current quota: retried after cpu.max when a quota comes too.
            try
            {
                dir.WriteFile("cpu.max.burst", CgroupParse.Str(burst), CpuMaxHint);
            }
            catch (RunaSystemException e) when (e.Errno == Errno.EINVAL && quota is not null)
            {
                burstPending = true;
            }
        }
        if (quota is not null || period is not null)
        {
            // cpu.max is "$MAX $PERIOD"; the period may be omitted to keep the current one. With
            // only a period given, the current quota is kept.
            string max;
            if (quota is { } q)
            {
                max = q > 0 ? CgroupParse.Str(q) : "max";
            }
            else
            {
                max = dir.ReadFile("cpu.max").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            }
            dir.WriteFile("cpu.max", period is { } p ? $"{max} {CgroupParse.Str(p)}" : max, CpuMaxHint);
            if (burstPending)
            {
                dir.WriteFile("cpu.max.burst", CgroupParse.Str(c.Burst!.Value), CpuMaxHint);
            }
        }
    }

    private static string? CpuMaxHint(int errno) => errno == Errno.EINVAL
        ? "quota/period must be within the kernel's range (1 ms .. 1 s period) and burst must not exceed the quota" : null;

    private static string? CpusetHint(int errno) => errno == Errno.EINVAL
        ? "the CPUs/memory nodes must be online and within the parent's cpuset.cpus.effective / cpuset.mems.effective" : null;

    private static void WriteIo(CgroupDirectory dir, BlockIoResources io, List<CgroupWarning> warnings)
    {
        var bfq = dir.Exists("io.bfq.weight");
        if (io.Weight is { } weight)
        {
            // BFQ takes the blkio range as is; io.weight (the iocost/io.weight range 1..10000) needs the conversion.
            if (bfq)
            {
                dir.WriteFile("io.bfq.weight", CgroupParse.Str(weight));
            }
            else
            {
                dir.WriteFile("io.weight", CgroupParse.Str(CgroupConversions.BlkioWeightToIoWeight(weight)));
            }
        }
        if (io.LeafWeight is not null)
        {
            warnings.Add(new($"{P}.blockIO.leafWeight", "ignored: cgroup v2 has no leaf weights"));
        }
        if (io.WeightDevice is { Count: > 0 } devices)
        {
            // Per-device weights exist only in BFQ's io.bfq.weight (Linux 5.4: it then reads
            // "default N" plus per-device lines instead of a single number).
            var perDevice = bfq && !ulong.TryParse(dir.ReadFile("io.bfq.weight").Trim(), out _);
            var lines = devices.Where(d => d.Weight is not null).Select(d => $"{d.Major}:{d.Minor} {d.Weight}").ToList();
            if (perDevice && lines.Count > 0)
            {
                dir.WriteLines("io.bfq.weight", lines);
            }
            else if (lines.Count > 0)
            {
                warnings.Add(new($"{P}.blockIO.weightDevice", "ignored: per-device weights on cgroup v2 need the BFQ io scheduler (io.bfq.weight with per-device entries, Linux 5.4)"));
            }
            if (devices.Any(d => d.LeafWeight is not null))
            {
                warnings.Add(new($"{P}.blockIO.weightDevice", "leafWeight ignored: cgroup v2 has no leaf weights"));
            }
        }
        // io.max takes "MAJ:MIN key=value"; "max" removes a limit, which is what a rate of 0 did on v1.
        var entries = new List<string>();
        Add(entries, io.ThrottleReadBpsDevice, "rbps");
        Add(entries, io.ThrottleWriteBpsDevice, "wbps");
        Add(entries, io.ThrottleReadIopsDevice, "riops");
        Add(entries, io.ThrottleWriteIopsDevice, "wiops");
        if (entries.Count > 0)
        {
            dir.WriteLines("io.max", entries, errno => errno is Errno.ENODEV or Errno.EINVAL
                ? "no such block device, or a partition instead of a whole disk (see /proc/partitions)" : null);
        }
    }

    private static void Add(List<string> entries, List<ThrottleDevice>? list, string key)
    {
        foreach (var t in list ?? [])
        {
            entries.Add($"{t.Major}:{t.Minor} {key}={(t.Rate == 0 ? "max" : CgroupParse.Str(t.Rate))}");
        }
    }
}
