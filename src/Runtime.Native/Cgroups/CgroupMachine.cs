namespace Runa.Runtime.Cgroups;

/// <summary>
/// The facts about this machine that cgroup validation needs: which CPUs and memory nodes are
/// online (so a cpuset naming CPU 7 on a 2-CPU machine is refused before the kernel's EINVAL)
/// and which huge page sizes exist. Tests construct one directly.
/// </summary>
/// <param name="OnlineCpus">Ids in /sys/devices/system/cpu/online.</param>
/// <param name="OnlineMems">Ids in /sys/devices/system/node/online ({0} without NUMA support).</param>
/// <param name="HugePageSizes">Kernel names of the huge page sizes ("2MB", "1GB") from /sys/kernel/mm/hugepages.</param>
public sealed record CgroupMachine(IReadOnlySet<int> OnlineCpus, IReadOnlySet<int> OnlineMems, IReadOnlySet<string> HugePageSizes)
{
    private static readonly Lazy<CgroupMachine> s_current = new(() => Probe("/sys"));

    /// <summary>This machine (read once per process).</summary>
    public static CgroupMachine Current => s_current.Value;

    /// <summary>Reads the facts from a sysfs tree (normally "/sys").</summary>
    public static CgroupMachine Probe(string sysfs)
    {
        var cpus = CpuList.ParseKernel(File.ReadAllText(Path.Combine(sysfs, "devices/system/cpu/online")), "cpu/online");
        var nodeFile = Path.Combine(sysfs, "devices/system/node/online");
        var mems = File.Exists(nodeFile) ? CpuList.ParseKernel(File.ReadAllText(nodeFile), "node/online") : new SortedSet<int> { 0 };
        var sizes = new SortedSet<string>(StringComparer.Ordinal);
        var hugeDir = Path.Combine(sysfs, "kernel/mm/hugepages");
        if (Directory.Exists(hugeDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(hugeDir))
            {
                if (HugePageSize.TryFromSysfsName(Path.GetFileName(dir), out var name))
                {
                    sizes.Add(name);
                }
            }
        }
        return new CgroupMachine(cpus, mems, sizes);
    }
}
