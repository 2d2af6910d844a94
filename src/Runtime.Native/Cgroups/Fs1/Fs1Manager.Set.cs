using Runa.Runtime.Interop;
using Runa.Runtime.Oci;

namespace Runa.Runtime.Cgroups;

/// <summary>Writing linux.resources to v1 controller files.</summary>
internal sealed partial class Fs1Manager
{
    private const string P = "linux.resources";

    /// <inheritdoc/>
    protected override void Preflight(LinuxResources r, List<CgroupConfigError> errors)
    {
        var memory = r.Memory;
        if (memory is not null && (memory.Limit is not (null or 0) || memory.Swap is not (null or 0) || memory.Reservation is not (null or 0)
            || memory.Kernel is not null || memory.KernelTcp is not null || memory.Swappiness is not null || memory.DisableOomKiller is not null))
        {
            if (Need("memory", $"{P}.memory", errors) is { } dir)
            {
                using (dir)
                {
                    CheckUsage(dir, memory, errors);
                }
            }
        }
        if (r.Cpu is { } cpu)
        {
            if (cpu.Cpus is not null || cpu.Mems is not null)
            {
                Need("cpuset", $"{P}.cpu.{(cpu.Cpus is not null ? "cpus" : "mems")}", errors)?.Dispose();
            }
            if (cpu.Shares is not (null or 0) || cpu.Quota is not (null or 0) || cpu.Period is not (null or 0) || cpu.Burst is not null
                || cpu.Idle is not null || cpu.RealtimeRuntime is not (null or 0) || cpu.RealtimePeriod is not (null or 0))
            {
                if (Need("cpu", $"{P}.cpu", errors) is { } dir)
                {
                    using (dir)
                    {
                        if ((cpu.RealtimeRuntime is not (null or 0) || cpu.RealtimePeriod is not (null or 0)) && !dir.Exists("cpu.rt_runtime_us"))
                        {
                            errors.Add(new($"{P}.cpu.realtimeRuntime", "not supported by this kernel (built without CONFIG_RT_GROUP_SCHED: no cpu.rt_runtime_us)"));
                        }
                        if (cpu.Idle is not null && !dir.Exists("cpu.idle"))
                        {
                            errors.Add(new($"{P}.cpu.idle", "not supported by this kernel (no cpu.idle; needs Linux 5.15)"));
                        }
                    }
                }
            }
        }
        if (r.Pids is not null)
        {
            Need("pids", $"{P}.pids.limit", errors)?.Dispose();
        }
        if (r.BlockIO is { } io && Need("blkio", $"{P}.blockIO", errors) is { } blkio)
        {
            using (blkio)
            {
                if (io.Weight is not null && WeightFile(blkio, "weight") is null)
                {
                    errors.Add(new($"{P}.blockIO.weight", NoWeightMessage));
                }
                if (io.LeafWeight is not null && !blkio.Exists("blkio.leaf_weight"))
                {
                    errors.Add(new($"{P}.blockIO.leafWeight", "not supported by this kernel (no blkio.leaf_weight: leaf weights were a CFQ feature, removed in Linux 5.0)"));
                }
                for (var i = 0; io.WeightDevice is not null && i < io.WeightDevice.Count; i++)
                {
                    if (io.WeightDevice[i].Weight is not null && WeightFile(blkio, "weight_device") is null)
                    {
                        errors.Add(new($"{P}.blockIO.weightDevice[{i}].weight", NoWeightMessage));
                    }
                    if (io.WeightDevice[i].LeafWeight is not null && !blkio.Exists("blkio.leaf_weight_device"))
                    {
                        errors.Add(new($"{P}.blockIO.weightDevice[{i}].leafWeight", "not supported by this kernel (no blkio.leaf_weight_device: a CFQ feature, removed in Linux 5.0)"));
                    }
                }
            }
        }
        if (r.HugepageLimits is { Count: > 0 } huge && Need("hugetlb", $"{P}.hugepageLimits", errors) is { } hugetlb)
        {
            using (hugetlb)
            {
                for (var i = 0; i < huge.Count; i++)
                {
                    if (!hugetlb.Exists($"hugetlb.{huge[i].PageSize}.limit_in_bytes"))
                    {
                        errors.Add(new($"{P}.hugepageLimits[{i}].pageSize", $"the hugetlb controller has no hugetlb.{huge[i].PageSize}.limit_in_bytes"));
                    }
                }
            }
        }
        if (r.Devices is not null)
        {
            Need("devices", $"{P}.devices", errors)?.Dispose();
        }
        if (r.Network?.ClassId is not null)
        {
            Need("net_cls", $"{P}.network.classID", errors)?.Dispose();
        }
    }

    /// <inheritdoc/>
    protected override void Write(LinuxResources r, List<CgroupWarning> warnings)
    {
        if (r.Cpu is { } cpuset && (cpuset.Cpus is not null || cpuset.Mems is not null))
        {
            WriteCpuset(cpuset);
        }
        if (r.Devices is { } devices)
        {
            WriteDevices(devices);
        }
        if (r.Memory is { } memory)
        {
            WriteMemory(memory, warnings);
        }
        if (r.Cpu is { } cpu)
        {
            WriteCpu(cpu, warnings);
        }
        if (r.Pids is { } pids)
        {
            using var dir = OpenController("pids", "linux.resources.pids");
            dir.WriteFile("pids.max", pids.Limit == -1 ? "max" : CgroupParse.Str(pids.Limit));
        }
        if (r.BlockIO is { } io)
        {
            WriteBlkio(io);
        }
        if (r.HugepageLimits is { Count: > 0 } huge)
        {
            using var dir = OpenController("hugetlb", "linux.resources.hugepageLimits");
            foreach (var limit in huge)
            {
                var value = CgroupParse.Str(limit.Limit);
                dir.WriteFile($"hugetlb.{limit.PageSize}.limit_in_bytes", value);
                // Reservations (Linux 5.7) must be limited too, or mmap can reserve past the limit.
                var rsvd = $"hugetlb.{limit.PageSize}.rsvd.limit_in_bytes";
                if (dir.Exists(rsvd))
                {
                    dir.WriteFile(rsvd, value);
                }
            }
        }
        if (r.Network?.ClassId is { } classId)
        {
            using var dir = OpenController("net_cls", "linux.resources.network.classID");
            dir.WriteFile("net_cls.classid", CgroupParse.Str(classId));
        }
    }

    private const string NoWeightMessage =
        "not supported here: neither blkio.weight nor blkio.bfq.weight exists (proportional weights need the BFQ io scheduler, see /sys/block/<dev>/queue/scheduler)";

    /// <summary>blkio.weight (CFQ, before 5.0) or blkio.bfq.weight (BFQ), whichever the kernel has.</summary>
    private static string? WeightFile(CgroupDirectory blkio, string suffix) =>
        blkio.Exists($"blkio.{suffix}") ? $"blkio.{suffix}" : blkio.Exists($"blkio.bfq.{suffix}") ? $"blkio.bfq.{suffix}" : null;

    /// <summary>Opens the controller's directory for a preflight check, or records that it is missing.</summary>
    private CgroupDirectory? Need(string controller, string field, List<CgroupConfigError> errors)
    {
        if (Controller(controller) is not { } d)
        {
            var message = $"controller {controller} not available: no cgroup v1 hierarchy under {Layout.Root} binds it";
            if (InUnifiedHierarchy(controller))
            {
                message += $" (on this hybrid host it sits unused in the cgroup2 hierarchy {Layout.Unified!.MountPoint}, which Runa, like runc, does not use for controllers in hybrid mode; " +
                    $"mount a v1 hierarchy for it: mkdir -p {Layout.Root}/{controller} && mount -t cgroup -o {controller} cgroup {Layout.Root}/{controller})";
            }
            errors.Add(new(field, message));
            return null;
        }
        return OpenLeaf(d);
    }

    /// <summary>True if the hybrid layout's cgroup2 root lists <paramref name="controller"/>.</summary>
    private bool InUnifiedHierarchy(string controller)
    {
        if (Layout.Unified is not { } unified)
        {
            return false;
        }
        using var root = CgroupDirectory.OpenMount(unified.MountPoint);
        var controllers = root.TryReadFile("cgroup.controllers") ?? "";
        return controllers.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Contains(controller, StringComparer.Ordinal);
    }

    private static void CheckUsage(CgroupDirectory dir, MemoryResources memory, List<CgroupConfigError> errors)
    {
        if (memory.Limit is not > 0)
        {
            return;
        }
        // Usage minus inactive page cache: the kernel reclaims that cache to meet a new limit, so
        // only the rest (anonymous memory, active cache) can make the write fail with EBUSY.
        var usage = CgroupParse.ULong(dir.ReadFile("memory.usage_in_bytes"), dir.Join("memory.usage_in_bytes"));
        var stat = CgroupParse.KeyValues(dir.ReadFile("memory.stat"), dir.Join("memory.stat"));
        var inactive = stat.GetValueOrDefault("total_inactive_file", stat.GetValueOrDefault("inactive_file"));
        var inUse = usage > inactive ? usage - inactive : 0;
        if ((ulong)memory.Limit.Value < inUse)
        {
            errors.Add(new($"{P}.memory.limit", $"{memory.Limit} is below current usage {inUse}"));
        }
    }

    private void WriteCpuset(CpuResources cpu)
    {
        using var dir = OpenController("cpuset", "linux.resources.cpu.cpus/mems");
        if (cpu.Cpus is { } cpus)
        {
            // v1 answers EACCES for "not within the parent", EINVAL for offline or malformed,
            // EBUSY when a sub-cgroup uses a CPU being removed.
            dir.WriteFile("cpuset.cpus", cpus.Trim(), errno => errno is Errno.EINVAL or Errno.EACCES or Errno.EBUSY
                ? "the CPUs must be online and within the parent cgroup's cpuset.cpus (and cover the cpusets of any sub-cgroups)" : null);
        }
        if (cpu.Mems is { } mems)
        {
            dir.WriteFile("cpuset.mems", mems.Trim(), errno => errno is Errno.EINVAL or Errno.EACCES or Errno.EBUSY
                ? "the memory nodes must be online and within the parent cgroup's cpuset.mems (and cover those of any sub-cgroups)" : null);
        }
    }

    private void WriteDevices(List<DeviceCgroupRule> rules)
    {
        using var dir = OpenController("devices", "linux.resources.devices");
        var errors = new List<CgroupConfigError>();
        var target = CgroupResourceValidator.BuildDeviceRules(rules, errors);
        var current = DeviceRuleSet.FromDevicesList(dir.ReadFile("devices.list"));
        foreach (var (file, rule) in target.TransitionFrom(current))
        {
            dir.WriteFile(file, rule, errno => errno == Errno.EPERM
                ? "the parent cgroup does not allow this device (a child can only narrow its parent's rules)" : null);
        }
        var after = DeviceRuleSet.FromDevicesList(dir.ReadFile("devices.list"));
        if (!target.Matches(after))
        {
            throw new RunaSystemException("verify", dir.Join("devices.list"), Errno.EIO,
                "the devices cgroup does not match linux.resources.devices after writing it");
        }
    }

    private void WriteMemory(MemoryResources m, List<CgroupWarning> warnings)
    {
        using var dir = OpenController("memory", "linux.resources.memory");
        long? limit = m.Limit is 0 ? null : m.Limit;
        long? swap = m.Swap is 0 ? null : m.Swap;
        // An unlimited memory limit with no swap given lifts the swap limit too (runc), if the
        // kernel accounts swap at all.
        if (limit == -1 && swap is null && dir.Exists("memory.memsw.limit_in_bytes"))
        {
            swap = -1;
        }
        // memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every moment, so the
        // order of the two writes depends on whether the limits grow or shrink.
        var swapFirst = false;
        if (limit is not null && swap is not null)
        {
            var current = CgroupParse.ULong(dir.ReadFile("memory.limit_in_bytes"), dir.Join("memory.limit_in_bytes"));
            swapFirst = swap == -1 || current < (ulong)swap.Value;
        }
        if (swapFirst)
        {
            WriteSwap(dir, swap!.Value);
            WriteLimit(dir, limit!.Value);
        }
        else
        {
            if (limit is not null)
            {
                WriteLimit(dir, limit.Value);
            }
            if (swap is not null)
            {
                WriteSwap(dir, swap.Value);
            }
        }
        if (m.Reservation is { } reservation and not 0)
        {
            dir.WriteFile("memory.soft_limit_in_bytes", CgroupParse.Str(reservation));
        }
        if (m.Kernel is { } kernel)
        {
            WriteKernelLimit(dir, "memory.kmem.limit_in_bytes", kernel, $"{P}.memory.kernel", warnings);
        }
        if (m.KernelTcp is { } tcp)
        {
            WriteKernelLimit(dir, "memory.kmem.tcp.limit_in_bytes", tcp, $"{P}.memory.kernelTCP", warnings);
        }
        if (m.Swappiness is { } swappiness)
        {
            dir.WriteFile("memory.swappiness", CgroupParse.Str(swappiness));
        }
        if (m.DisableOomKiller is { } disable)
        {
            dir.WriteFile("memory.oom_control", disable ? "1" : "0");
        }
        if (m.UseHierarchy is false)
        {
            warnings.Add(new($"{P}.memory.useHierarchy", "ignored: memory cgroups are always hierarchical on current kernels"));
        }
    }

    private static void WriteLimit(CgroupDirectory dir, long limit)
    {
        dir.WriteFile("memory.limit_in_bytes", CgroupParse.Str(limit), errno =>
        {
            if (errno != Errno.EBUSY)
            {
                return errno == Errno.EINVAL ? "the memory limit must not exceed memory.memsw.limit_in_bytes (memory+swap)" : null;
            }
            var usage = dir.TryReadFile("memory.usage_in_bytes")?.Trim() ?? "?";
            var peak = dir.TryReadFile("memory.max_usage_in_bytes")?.Trim() ?? "?";
            return $"the new limit is below what the cgroup uses and the kernel could not reclaim enough (usage {usage}, peak {peak})";
        });
    }

    private static void WriteSwap(CgroupDirectory dir, long swap)
    {
        dir.WriteFile("memory.memsw.limit_in_bytes", CgroupParse.Str(swap), errno => errno switch
        {
            Errno.ENOENT => "swap accounting is off in this kernel (no memory.memsw.*; boot with swapaccount=1)",
            Errno.EINVAL => $"memory+swap must be at least memory.limit_in_bytes ({dir.TryReadFile("memory.limit_in_bytes")?.Trim()})",
            Errno.EBUSY => "the new memory+swap limit is below what the cgroup uses",
            _ => null,
        });
    }

    private static void WriteKernelLimit(CgroupDirectory dir, string file, long value, string field, List<CgroupWarning> warnings)
    {
        if (!dir.Exists(file))
        {
            warnings.Add(new(field, $"ignored: this kernel has no {file}"));
            return;
        }
        dir.WriteFile(file, CgroupParse.Str(value));
        // Since Linux 5.16 the kernel accepts memory.kmem.limit_in_bytes and ignores it (kernel
        // memory is charged to memory.limit_in_bytes). Read back to tell the user the truth.
        var readBack = CgroupParse.ULong(dir.ReadFile(file), dir.Join(file));
        var expected = value == -1 ? ulong.MaxValue : (ulong)value / 4096 * 4096;
        if (value != -1 && readBack != expected && readBack != (ulong)value)
        {
            warnings.Add(new(field, $"not enforced: the kernel accepted {value} for {file} but keeps {readBack} (kernel memory limits are deprecated and ignored since Linux 5.16; it counts against the memory limit)"));
        }
    }

    private void WriteCpu(CpuResources c, List<CgroupWarning> warnings)
    {
        if (c.Shares is not (null or 0) || c.Quota is not (null or 0) || c.Period is not (null or 0) || c.Burst is not null || c.Idle is not null
            || c.RealtimeRuntime is not (null or 0) || c.RealtimePeriod is not (null or 0))
        {
            using var dir = OpenController("cpu", "linux.resources.cpu");
            if (c.Shares is { } shares and not 0)
            {
                dir.WriteFile("cpu.shares", CgroupParse.Str(shares));
                var actual = CgroupParse.ULong(dir.ReadFile("cpu.shares"), dir.Join("cpu.shares"));
                if (actual != shares)
                {
                    throw new InvalidCgroupConfigException($"{P}.cpu.shares", $"the kernel clamped {shares} to {actual}");
                }
            }
            WriteCfs(dir, c, warnings);
            if (c.Idle is { } idle)
            {
                dir.WriteFile("cpu.idle", CgroupParse.Str(idle));
            }
            WriteRealtime(dir, c);
        }
    }

    private static void WriteCfs(CgroupDirectory dir, CpuResources c, List<CgroupWarning> warnings)
    {
        var quota = c.Quota is 0 ? null : c.Quota;
        var period = c.Period is 0 ? null : c.Period;
        // The kernel checks quota/period (and burst) against the parent on every write, so a
        // period or burst write can fail with EINVAL until the new quota is in: retry it after.
        var periodPending = false;
        if (period is { } p)
        {
            periodPending = !TryWrite(dir, "cpu.cfs_period_us", CgroupParse.Str(p), retryLater: quota is not null, CfsHint);
        }
        var burstPending = false;
        if (c.Burst is { } burst)
        {
            if (!dir.Exists("cpu.cfs_burst_us"))
            {
                warnings.Add(new($"{P}.cpu.burst", "ignored: this kernel has no cpu.cfs_burst_us (needs Linux 5.14)"));
            }
            else
            {
                burstPending = !TryWrite(dir, "cpu.cfs_burst_us", CgroupParse.Str(burst), retryLater: quota is not null, CfsHint);
            }
        }
        if (quota is { } q)
        {
            dir.WriteFile("cpu.cfs_quota_us", CgroupParse.Str(q), CfsHint);
            if (periodPending)
            {
                dir.WriteFile("cpu.cfs_period_us", CgroupParse.Str(period!.Value), CfsHint);
            }
            if (burstPending)
            {
                dir.WriteFile("cpu.cfs_burst_us", CgroupParse.Str(c.Burst!.Value), CfsHint);
            }
        }
    }

    private static void WriteRealtime(CgroupDirectory dir, CpuResources c)
    {
        var runtime = c.RealtimeRuntime is 0 ? null : c.RealtimeRuntime;
        var period = c.RealtimePeriod is 0 ? null : c.RealtimePeriod;
        // Same inter-dependency as CFS: runtime must fit the period and the parent's runtime.
        var periodPending = false;
        if (period is { } p)
        {
            periodPending = !TryWrite(dir, "cpu.rt_period_us", CgroupParse.Str(p), retryLater: runtime is not null, RtHint);
        }
        if (runtime is { } r)
        {
            dir.WriteFile("cpu.rt_runtime_us", CgroupParse.Str(r), RtHint);
            if (periodPending)
            {
                dir.WriteFile("cpu.rt_period_us", CgroupParse.Str(period!.Value), RtHint);
            }
        }
    }

    /// <summary>Writes; on EINVAL with a later retry planned returns false instead of throwing.</summary>
    private static bool TryWrite(CgroupDirectory dir, string file, string value, bool retryLater, Func<int, string?> hint)
    {
        try
        {
            dir.WriteFile(file, value, hint);
            return true;
        }
        catch (RunaSystemException e) when (e.Errno == Errno.EINVAL && retryLater)
        {
            return false;
        }
    }

    private static string? CfsHint(int errno) => errno == Errno.EINVAL
        ? "quota/period must fit within the parent cgroup's quota/period, and burst must not exceed quota" : null;

    private static string? RtHint(int errno) => errno switch
    {
        Errno.EINVAL => "the realtime runtime must fit in the period and in the parent cgroup's cpu.rt_runtime_us (give the parents realtime runtime first)",
        Errno.EBUSY => "realtime tasks already use more runtime than requested",
        _ => null,
    };

    private void WriteBlkio(BlockIoResources io)
    {
        using var dir = OpenController("blkio", "linux.resources.blockIO");
        if (io.Weight is { } weight)
        {
            dir.WriteFile(WeightFile(dir, "weight")!, CgroupParse.Str(weight));
        }
        if (io.LeafWeight is { } leaf)
        {
            dir.WriteFile("blkio.leaf_weight", CgroupParse.Str(leaf));
        }
        if (io.WeightDevice is { Count: > 0 } devices)
        {
            var weights = devices.Where(d => d.Weight is not null).Select(d => $"{d.Major}:{d.Minor} {d.Weight}").ToList();
            if (weights.Count > 0)
            {
                dir.WriteLines(WeightFile(dir, "weight_device")!, weights, NoDeviceHint);
            }
            var leaves = devices.Where(d => d.LeafWeight is not null).Select(d => $"{d.Major}:{d.Minor} {d.LeafWeight}").ToList();
            if (leaves.Count > 0)
            {
                dir.WriteLines("blkio.leaf_weight_device", leaves, NoDeviceHint);
            }
        }
        // A rate of 0 removes the device's limit (the v1 kernel semantics).
        Throttle(dir, "blkio.throttle.read_bps_device", io.ThrottleReadBpsDevice);
        Throttle(dir, "blkio.throttle.write_bps_device", io.ThrottleWriteBpsDevice);
        Throttle(dir, "blkio.throttle.read_iops_device", io.ThrottleReadIopsDevice);
        Throttle(dir, "blkio.throttle.write_iops_device", io.ThrottleWriteIopsDevice);
    }

    private static void Throttle(CgroupDirectory dir, string file, List<ThrottleDevice>? list)
    {
        if (list is { Count: > 0 })
        {
            dir.WriteLines(file, list.Select(t => $"{t.Major}:{t.Minor} {t.Rate}"), NoDeviceHint);
        }
    }

    private static string? NoDeviceHint(int errno) => errno switch
    {
        Errno.ENODEV or Errno.ENXIO => "no such block device (a whole disk major:minor from /proc/partitions; partitions are not throttled separately)",
        Errno.EINVAL => "the kernel rejected the value (a partition instead of a whole disk, or an out-of-range weight?)",
        _ => null,
    };
}
