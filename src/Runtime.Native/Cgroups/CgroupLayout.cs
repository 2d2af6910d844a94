using System.Text;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// Which cgroup hierarchies are mounted under a root (normally /sys/fs/cgroup) and in which
/// mode: v2 (the root is a cgroup2 mount), v1 (cgroup mounts per controller below a tmpfs root)
/// or hybrid (v1 controllers plus a cgroup2 mount, usually root/unified, as on these machines).
/// <see cref="Detect"/> is pure (statfs type + mountinfo text) so every case is unit-tested;
/// <see cref="Probe"/> feeds it the live values. Tests point managers at a fake tree with
/// <see cref="ForUnified"/> / <see cref="ForLegacy"/>.
/// </summary>
public sealed class CgroupLayout
{
    /// <summary>Where cgroups live on every distribution.</summary>
    public const string DefaultRoot = "/sys/fs/cgroup";

    /// <summary>v1 controllers the kernel knows (kernel/cgroup/*.c, the cgroup_subsys names).</summary>
    private static readonly HashSet<string> s_v1Controllers = new(StringComparer.Ordinal)
    {
        "cpuset", "cpu", "cpuacct", "io", "blkio", "memory", "devices", "freezer", "net_cls", "perf_event",
        "net_prio", "hugetlb", "pids", "rdma", "misc",
    };

    private CgroupLayout(CgroupMode mode, string root, IReadOnlyList<CgroupHierarchy> hierarchies)
    {
        Mode = mode;
        Root = root;
        Hierarchies = hierarchies;
    }

    /// <summary>v1, hybrid or v2.</summary>
    public CgroupMode Mode { get; }

    /// <summary>The root all hierarchies are mounted under.</summary>
    public string Root { get; }

    /// <summary>Every hierarchy a container joins: the v1 ones in mount order, then the cgroup2
    /// mount (hybrid); or the single cgroup2 root (v2).</summary>
    public IReadOnlyList<CgroupHierarchy> Hierarchies { get; }

    /// <summary>The cgroup2 hierarchy, if any.</summary>
    public CgroupHierarchy? Unified => Hierarchies.FirstOrDefault(h => h.IsUnified);

    /// <summary>The v1 hierarchy binding <paramref name="controller"/>, if mounted.</summary>
    public CgroupHierarchy? V1(string controller) => Hierarchies.FirstOrDefault(h => !h.IsUnified && h.Has(controller));

    /// <summary>A pure v2 layout rooted at <paramref name="root"/> (a real or a fake cgroupfs tree).</summary>
    public static CgroupLayout ForUnified(string root) =>
        new(CgroupMode.Unified, Normalize(root), [new CgroupHierarchy(Normalize(root), [], IsUnified: true)]);

    /// <summary>A v1 (or, with <paramref name="unifiedMount"/>, hybrid) layout from explicit hierarchies.</summary>
    public static CgroupLayout ForLegacy(string root, IEnumerable<CgroupHierarchy> hierarchies, string? unifiedMount = null)
    {
        var list = hierarchies.Where(h => !h.IsUnified).ToList();
        if (unifiedMount is not null)
        {
            list.Add(new CgroupHierarchy(Normalize(unifiedMount), [], IsUnified: true));
        }
        return new CgroupLayout(unifiedMount is null ? CgroupMode.Legacy : CgroupMode.Hybrid, Normalize(root), list);
    }

    /// <summary>Probes the live system: statfs(root) and /proc/self/mountinfo.</summary>
    public static unsafe CgroupLayout Probe(string root = DefaultRoot)
    {
        Libc.statfs_t st;
        if (Libc.statfs(root, &st) != 0)
        {
            throw new RunaSystemException("statfs", root, Errno.Last, "cannot inspect the cgroup root");
        }
        return Detect(root, st.f_type, File.ReadAllText("/proc/self/mountinfo"));
    }

    /// <summary>
    /// Decides the layout from the file system type of <paramref name="root"/> and a mount table
    /// in /proc/self/mountinfo format. cgroup2 at the root → v2. Otherwise the cgroup (v1) mounts
    /// below the root give the controllers; a cgroup2 mount below the root as well → hybrid.
    /// </summary>
    public static CgroupLayout Detect(string root, long rootFsType, string mountInfo)
    {
        root = Normalize(root);
        if (rootFsType == Libc.CGROUP2_SUPER_MAGIC)
        {
            return ForUnified(root);
        }
        // Later mounts hide earlier ones on the same mount point: keep the last per mount point.
        var byMountPoint = new Dictionary<string, (int Order, string FsType, List<string> Controllers)>(StringComparer.Ordinal);
        var order = 0;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseMountInfoLine(line, out var mountPoint, out var fsType, out var superOptions))
            {
                continue;
            }
            if (fsType is not ("cgroup" or "cgroup2") || !(mountPoint == root || mountPoint.StartsWith(root + "/", StringComparison.Ordinal)))
            {
                byMountPoint.Remove(mountPoint);
                continue;
            }
            var controllers = fsType == "cgroup"
                ? superOptions.Split(',').Where(o => s_v1Controllers.Contains(o) || o.StartsWith("name=", StringComparison.Ordinal)).ToList()
                : [];
            byMountPoint[mountPoint] = (order++, fsType, controllers);
        }
        var v1 = new List<CgroupHierarchy>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? unified = null;
        foreach (var (mountPoint, (_, fsType, controllers)) in byMountPoint.OrderBy(kv => kv.Value.Order))
        {
            if (fsType == "cgroup2")
            {
                unified ??= mountPoint;
            }
            else if (controllers.Count > 0 && seen.Add(string.Join(',', controllers)))
            {
                // The same hierarchy bind-mounted twice is joined once.
                v1.Add(new CgroupHierarchy(mountPoint, controllers, IsUnified: false));
            }
        }
        if (v1.Count > 0)
        {
            return ForLegacy(root, v1, unified);
        }
        if (unified == root)
        {
            return ForUnified(root);
        }
        throw new RunaSystemException("probe cgroups", root, Errno.ENOENT,
            unified is null ? "no cgroup hierarchy is mounted there" : $"only an empty cgroup2 hierarchy is mounted there ({unified}) and no v1 controllers");
    }

    private static bool TryParseMountInfoLine(string line, out string mountPoint, out string fsType, out string superOptions)
    {
        // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
        mountPoint = fsType = superOptions = "";
        var separator = line.IndexOf(" - ", StringComparison.Ordinal);
        if (separator < 0)
        {
            return false;
        }
        var left = line[..separator].Split(' ');
        var right = line[(separator + 3)..].Split(' ');
        if (left.Length < 6 || right.Length < 3)
        {
            return false;
        }
        mountPoint = Unescape(left[4]);
        fsType = right[0];
        superOptions = right[2];
        return true;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo (octal).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }
        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                sb.Append((char)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private static string Normalize(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
