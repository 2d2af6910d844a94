using Runa.Runtime.Oci;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// Checks linux.resources before anything is written, so a rejected configuration changes
/// nothing. Pure: it reads only the <see cref="CgroupMachine"/> facts it is given (tests run it
/// without root). Checks that need the live cgroup (current memory usage, which controller files
/// exist) are done by the managers in the same validation phase, before their first write.
/// </summary>
/// <remarks>
/// Zero means "unset" where runc treats it so (memory limit/swap/reservation, cpu shares, quota,
/// period, realtime values): configs written for runc keep working. A zero is an error where it
/// can only be a mistake (pids limit, blkio weights).
/// </remarks>
public static class CgroupResourceValidator
{
    private const string Prefix = "linux.resources";

    /// <summary>v2 core files that belong to the manager, not to linux.resources.unified.</summary>
    private static readonly HashSet<string> s_reservedUnifiedKeys = new(StringComparer.Ordinal)
    {
        "cgroup.procs", "cgroup.threads", "cgroup.kill", "cgroup.subtree_control", "cgroup.type", "cgroup.freeze",
        "cgroup.controllers", "cgroup.events",
    };

    /// <summary>Every problem in <paramref name="resources"/>; empty when it may be applied.</summary>
    public static IReadOnlyList<CgroupConfigError> Validate(LinuxResources resources, CgroupMachine machine, CgroupMode mode,
        DeviceRulesOnV2 deviceRulesOnV2 = DeviceRulesOnV2.Reject)
    {
        var errors = new List<CgroupConfigError>();
        var unified = mode == CgroupMode.Unified;
        if (resources.Memory is { } memory)
        {
            ValidateMemory(memory, unified, errors);
        }
        if (resources.Cpu is { } cpu)
        {
            ValidateCpu(cpu, machine, unified, errors);
        }
        if (resources.Pids is { } pids && (pids.Limit == 0 || pids.Limit < -1))
        {
            errors.Add(new($"{Prefix}.pids.limit", $"must be -1 (unlimited) or a positive number of processes, got {pids.Limit}"));
        }
        if (resources.BlockIO is { } blockIO)
        {
            ValidateBlockIO(blockIO, errors);
        }
        if (resources.HugepageLimits is { } huge)
        {
            ValidateHugepages(huge, machine, errors);
        }
        if (resources.Devices is { } devices)
        {
            ValidateDevices(devices, unified, deviceRulesOnV2, errors);
        }
        if (resources.Unified is { Count: > 0 } unifiedMap)
        {
            if (!unified)
            {
                errors.Add(new($"{Prefix}.unified", $"needs cgroup v2, but this host uses cgroup v1 ({mode.ToString().ToLowerInvariant()} mode)"));
            }
            else
            {
                foreach (var key in unifiedMap.Keys)
                {
                    ValidateUnifiedKey(key, errors);
                }
            }
        }
        return errors;
    }

    /// <summary>Throws <see cref="InvalidCgroupConfigException"/> listing every problem, if any.</summary>
    public static void ThrowIfInvalid(LinuxResources resources, CgroupMachine machine, CgroupMode mode,
        DeviceRulesOnV2 deviceRulesOnV2 = DeviceRulesOnV2.Reject)
    {
        var errors = Validate(resources, machine, mode, deviceRulesOnV2);
        if (errors.Count > 0)
        {
            throw new InvalidCgroupConfigException(errors);
        }
    }

    /// <summary>The device rules as the kernel will see them (v1), with the errors of rules it cannot express.</summary>
    internal static DeviceRuleSet BuildDeviceRules(IReadOnlyList<DeviceCgroupRule> devices, List<CgroupConfigError> errors) =>
        DeviceRuleSet.FromOci(devices, errors);

    private static void ValidateMemory(MemoryResources m, bool unified, List<CgroupConfigError> errors)
    {
        const string p = $"{Prefix}.memory";
        Bytes(m.Limit, $"{p}.limit", errors);
        Bytes(m.Reservation, $"{p}.reservation", errors);
        Bytes(m.Swap, $"{p}.swap", errors);
        Bytes(m.Kernel, $"{p}.kernel", errors);
        Bytes(m.KernelTcp, $"{p}.kernelTCP", errors);
        if (m.Limit > 0 && m.Swap > 0 && m.Swap < m.Limit)
        {
            errors.Add(new($"{p}.swap", $"{m.Swap} is below {p}.limit {m.Limit} (swap is memory+swap, so it must be at least the limit, or -1)"));
        }
        else if (unified && m.Swap > 0 && (m.Limit is null or 0))
        {
            errors.Add(new($"{p}.swap", $"on cgroup v2 a swap limit needs {p}.limit too (v2 limits swap alone: swap - limit)"));
        }
        if (m.Reservation > 0 && m.Limit > 0 && m.Reservation > m.Limit)
        {
            errors.Add(new($"{p}.reservation", $"{m.Reservation} is above {p}.limit {m.Limit}"));
        }
        if (m.Swappiness is { } swappiness && swappiness > 100)
        {
            errors.Add(new($"{p}.swappiness", $"must be 0..100, got {swappiness}"));
        }
    }

    private static void Bytes(long? value, string field, List<CgroupConfigError> errors)
    {
        if (value < -1)
        {
            errors.Add(new(field, $"must be -1 (unlimited) or a number of bytes, got {value}"));
        }
    }

    private static void ValidateCpu(CpuResources c, CgroupMachine machine, bool unified, List<CgroupConfigError> errors)
    {
        const string p = $"{Prefix}.cpu";
        if (c.Shares is 1)
        {
            errors.Add(new($"{p}.shares", "must be at least 2 (the kernel's minimum), or 0 for unset"));
        }
        else if (c.Shares > 262144)
        {
            errors.Add(new($"{p}.shares", $"must be at most 262144 (the kernel's maximum), got {c.Shares}"));
        }
        if (c.Quota < -1)
        {
            errors.Add(new($"{p}.quota", $"must be -1 (unlimited) or a number of microseconds, got {c.Quota}"));
        }
        else if (c.Quota is > 0 and < 1000)
        {
            errors.Add(new($"{p}.quota", $"must be at least 1000 µs (the kernel's minimum), got {c.Quota}"));
        }
        if (c.Period is > 0 and (< 1000 or > 1000000))
        {
            errors.Add(new($"{p}.period", $"must be 1000..1000000 µs (1 ms to 1 s), got {c.Period}"));
        }
        if (c.Burst is { } burst && c.Quota > 0 && burst > (ulong)c.Quota)
        {
            errors.Add(new($"{p}.burst", $"{burst} is above {p}.quota {c.Quota} (the kernel requires burst <= quota)"));
        }
        if (c.RealtimeRuntime < -1)
        {
            errors.Add(new($"{p}.realtimeRuntime", $"must be -1 (unlimited) or a number of microseconds, got {c.RealtimeRuntime}"));
        }
        if (c.RealtimeRuntime > 0 && c.RealtimePeriod > 0 && (ulong)c.RealtimeRuntime > c.RealtimePeriod)
        {
            errors.Add(new($"{p}.realtimeRuntime", $"{c.RealtimeRuntime} is above {p}.realtimePeriod {c.RealtimePeriod}"));
        }
        if (unified && (c.RealtimeRuntime is not (null or 0) || c.RealtimePeriod is not (null or 0)))
        {
            errors.Add(new($"{p}.realtimeRuntime", "realtime scheduling limits need the v1 cpu controller (CONFIG_RT_GROUP_SCHED); cgroup v2 has no equivalent"));
        }
        if (c.Cpus is { } cpus)
        {
            CpuSet(cpus, machine.OnlineCpus, $"{p}.cpus", "CPU", "/sys/devices/system/cpu/online", errors);
        }
        if (c.Mems is { } mems)
        {
            CpuSet(mems, machine.OnlineMems, $"{p}.mems", "memory node", "/sys/devices/system/node/online", errors);
        }
        if (c.Idle is { } idle && idle is not (0 or 1))
        {
            errors.Add(new($"{p}.idle", $"must be 0 or 1, got {idle}"));
        }
    }

    private static void CpuSet(string text, IReadOnlySet<int> online, string field, string what, string source, List<CgroupConfigError> errors)
    {
        if (!CpuList.TryParse(text, out var ids, out var error))
        {
            errors.Add(new(field, $"{CgroupErrors.Quote(text)} {error} (expected a list like \"0-3,5\")"));
            return;
        }
        var missing = ids.Where(id => !online.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            errors.Add(new(field, $"{CgroupErrors.Quote(text)} names {what} {CpuList.Format(missing)}, which this machine does not have online ({source}: {CpuList.Format(online)})"));
        }
    }

    private static void ValidateBlockIO(BlockIoResources b, List<CgroupConfigError> errors)
    {
        const string p = $"{Prefix}.blockIO";
        Weight(b.Weight, $"{p}.weight", errors);
        Weight(b.LeafWeight, $"{p}.leafWeight", errors);
        if (b.WeightDevice is { } wd)
        {
            for (var i = 0; i < wd.Count; i++)
            {
                Device(wd[i].Major, wd[i].Minor, $"{p}.weightDevice[{i}]", errors);
                Weight(wd[i].Weight, $"{p}.weightDevice[{i}].weight", errors);
                Weight(wd[i].LeafWeight, $"{p}.weightDevice[{i}].leafWeight", errors);
            }
        }
        Throttles(b.ThrottleReadBpsDevice, $"{p}.throttleReadBpsDevice", errors);
        Throttles(b.ThrottleWriteBpsDevice, $"{p}.throttleWriteBpsDevice", errors);
        Throttles(b.ThrottleReadIopsDevice, $"{p}.throttleReadIOPSDevice", errors);
        Throttles(b.ThrottleWriteIopsDevice, $"{p}.throttleWriteIOPSDevice", errors);
    }

    private static void Weight(ushort? weight, string field, List<CgroupConfigError> errors)
    {
        if (weight is { } w && w is < 10 or > 1000)
        {
            errors.Add(new(field, $"must be 10..1000, got {w}"));
        }
    }

    private static void Throttles(List<ThrottleDevice>? list, string field, List<CgroupConfigError> errors)
    {
        for (var i = 0; list is not null && i < list.Count; i++)
        {
            Device(list[i].Major, list[i].Minor, $"{field}[{i}]", errors);
        }
    }

    private static void Device(long major, long minor, string field, List<CgroupConfigError> errors)
    {
        if (major < 0 || minor < 0 || major > uint.MaxValue || minor > uint.MaxValue)
        {
            errors.Add(new(field, $"device {major}:{minor} is not a valid major:minor"));
        }
    }

    private static void ValidateHugepages(List<HugepageLimit> limits, CgroupMachine machine, List<CgroupConfigError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < limits.Count; i++)
        {
            var field = $"{Prefix}.hugepageLimits[{i}].pageSize";
            var size = limits[i].PageSize;
            if (!HugePageSize.IsWellFormed(size))
            {
                errors.Add(new(field, $"{CgroupErrors.Quote(size)} is not a page size like \"2MB\" or \"1GB\""));
            }
            else if (!machine.HugePageSizes.Contains(size))
            {
                var have = machine.HugePageSizes.Count == 0 ? "none" : string.Join(", ", machine.HugePageSizes);
                errors.Add(new(field, $"this machine has no {size} huge pages (it has: {have})"));
            }
            else if (!seen.Add(size))
            {
                errors.Add(new(field, $"{size} is listed twice"));
            }
        }
    }

    private static void ValidateDevices(List<DeviceCgroupRule> devices, bool unified, DeviceRulesOnV2 policy, List<CgroupConfigError> errors)
    {
        var before = errors.Count;
        for (var i = 0; i < devices.Count; i++)
        {
            var rule = devices[i];
            var field = $"{Prefix}.devices[{i}]";
            if (rule.Type is not (null or "" or "a" or "b" or "c"))
            {
                errors.Add(new($"{field}.type", $"{CgroupErrors.Quote(rule.Type)} is not a device type (a, b or c)"));
            }
            if (rule.Access is { } access && DeviceRuleSet.ParseAccess(access) is null)
            {
                errors.Add(new($"{field}.access", $"{CgroupErrors.Quote(access)} is not an access mode (a combination of r, w and m)"));
            }
            if (rule.Major < -1)
            {
                errors.Add(new($"{field}.major", $"must be a device number or -1/absent for all, got {rule.Major}"));
            }
            if (rule.Minor < -1)
            {
                errors.Add(new($"{field}.minor", $"must be a device number or -1/absent for all, got {rule.Minor}"));
            }
            if (rule.Type is null or "" or "a")
            {
                // The kernel reads any "a" rule as "all devices, all access" and ignores the rest:
                // a narrower-looking "a" rule would silently mean everything.
                if (rule.Major is not (null or -1) || rule.Minor is not (null or -1))
                {
                    errors.Add(new(field, "a rule for all device types (type \"a\" or absent) cannot name a major or minor number"));
                }
                if (rule.Access is { } a && DeviceRuleSet.ParseAccess(a) is { } parsed && parsed != DeviceAccess.All)
                {
                    errors.Add(new($"{field}.access", $"a rule for all device types always means \"rwm\"; {CgroupErrors.Quote(a)} would be widened silently"));
                }
            }
        }
        if (errors.Count > before)
        {
            return;
        }
        var target = BuildDeviceRules(devices, errors);
        if (unified && errors.Count == before && !target.IsAllowAll && policy == DeviceRulesOnV2.Reject)
        {
            errors.Add(new($"{Prefix}.devices",
                "device rules on cgroup v2 need an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE), which Runa does not load yet; " +
                "refusing to run the container without device confinement (set CgroupOptions.DeviceRulesOnV2 = WarnUnenforced to run it unconfined)"));
        }
    }

    private static void ValidateUnifiedKey(string key, List<CgroupConfigError> errors)
    {
        var field = $"{Prefix}.unified[{CgroupErrors.Quote(key)}]";
        if (key.Contains('/') || key.Contains('\0') || key is "." or "..")
        {
            errors.Add(new(field, "must be a file name in the cgroup directory (no slashes)"));
            return;
        }
        var dot = key.IndexOf('.');
        if (dot <= 0 || dot == key.Length - 1)
        {
            errors.Add(new(field, "must be of the form CONTROLLER.PARAMETER (e.g. memory.high)"));
            return;
        }
        if (s_reservedUnifiedKeys.Contains(key))
        {
            errors.Add(new(field, "is managed by the runtime (processes, freezing, controllers) and cannot be set through linux.resources.unified"));
        }
    }
}
