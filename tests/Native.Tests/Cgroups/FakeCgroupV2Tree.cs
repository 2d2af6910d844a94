using Runa.Runtime.Cgroups;

namespace Runa.Native.Tests.Cgroups;

/// <summary>
/// A directory tree laid out like a cgroup2 mount, in a temp directory: control files pre-created
/// with the kernel's defaults, so the v2 manager's writes, conversions and protocols can be
/// checked without root and without a v2 machine. Unlike cgroupfs, mkdir does not populate a new
/// directory with files and rmdir refuses non-empty directories, so tests pre-create the cgroups
/// whose files they inspect (<see cref="AddCgroup"/>).
/// </summary>
internal sealed class FakeCgroupV2Tree : IDisposable
{
    public const string Controllers = "cpuset cpu io memory hugetlb pids";

    public FakeCgroupV2Tree()
    {
        Root = Path.Combine(Path.GetTempPath(), "runa-fake-cgroup2-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Write("cgroup.controllers", Controllers + "\n");
        Write("cgroup.subtree_control", "");
        Write("cgroup.procs", "");
        Write("cgroup.max.depth", "max\n");
    }

    public string Root { get; }

    /// <summary>A 4-CPU, 1-node machine with 2MB and 1GB huge pages.</summary>
    public static CgroupMachine Machine { get; } = new(new SortedSet<int> { 0, 1, 2, 3 }, new SortedSet<int> { 0 }, new SortedSet<string> { "2MB", "1GB" });

    public CgroupOptions Options(DeviceRulesOnV2 devices = DeviceRulesOnV2.Reject) => new()
    {
        Layout = CgroupLayout.ForUnified(Root),
        Machine = Machine,
        DeviceRulesOnV2 = devices,
        FreezeTimeout = TimeSpan.FromSeconds(5),
        DestroyTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Creates a cgroup directory (and its parents) with kernel-like default files.</summary>
    public string AddCgroup(string relative)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var path = Root;
        foreach (var part in parts)
        {
            path = Path.Combine(path, part);
            if (Directory.Exists(path))
            {
                continue;
            }
            Directory.CreateDirectory(path);
            foreach (var (file, content) in DefaultFiles)
            {
                File.WriteAllText(Path.Combine(path, file), content);
            }
        }
        return path;
    }

    public string Read(string relativeFile) => File.ReadAllText(Path.Combine(Root, relativeFile));

    public void Write(string relativeFile, string content) => File.WriteAllText(Path.Combine(Root, relativeFile), content);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>What a fresh cgroup2 directory shows, with the defaults of Documentation/admin-guide/cgroup-v2.rst.</summary>
    private static readonly (string File, string Content)[] DefaultFiles =
    [
        ("cgroup.controllers", Controllers + "\n"),
        ("cgroup.subtree_control", ""),
        ("cgroup.procs", ""),
        ("cgroup.threads", ""),
        ("cgroup.type", "domain\n"),
        ("cgroup.events", "populated 0\nfrozen 0\n"),
        ("cgroup.freeze", "0\n"),
        ("cgroup.kill", ""),
        ("cpu.max", "max 100000\n"),
        ("cpu.max.burst", "0\n"),
        ("cpu.weight", "100\n"),
        ("cpu.idle", "0\n"),
        ("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 70\n"),
        ("cpuset.cpus", "\n"),
        ("cpuset.mems", "\n"),
        ("cpuset.cpus.effective", "0-3\n"),
        ("cpuset.mems.effective", "0\n"),
        ("memory.max", "max\n"),
        ("memory.low", "0\n"),
        ("memory.high", "max\n"),
        ("memory.swap.max", "max\n"),
        ("memory.current", "4096\n"),
        ("memory.peak", "8192\n"),
        ("memory.swap.current", "0\n"),
        ("memory.stat", "anon 4096\nfile 0\ninactive_file 0\nactive_file 0\n"),
        ("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"),
        ("pids.max", "max\n"),
        ("pids.current", "0\n"),
        ("io.max", ""),
        ("io.weight", "default 100\n"),
        ("io.stat", ""),
        ("hugetlb.2MB.max", "max\n"),
        ("hugetlb.2MB.rsvd.max", "max\n"),
        ("hugetlb.2MB.current", "0\n"),
        ("hugetlb.2MB.events", "max 0\n"),
        ("hugetlb.1GB.max", "max\n"),
        ("hugetlb.1GB.current", "0\n"),
        ("hugetlb.1GB.events", "max 0\n"),
    ];
}
