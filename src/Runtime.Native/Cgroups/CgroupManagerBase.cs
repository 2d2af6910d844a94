using System.Diagnostics;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// What v1 and v2 managers share: the directory of the container in each hierarchy, creating
/// it component by component beneath the mount (recording which components this container
/// created), moving processes in, listing them, and the destroy sequence (kill, wait until
/// empty, rmdir leaf to owned root with bounded EBUSY retries).
/// </summary>
internal abstract class CgroupManagerBase : ICgroupManager
{
    /// <summary>Attempts of the create walk when a concurrent destroy removes a shared parent under it.</summary>
    private const int CreateAttempts = 5;

    /// <summary>rmdir attempts on EBUSY (a cgroup is briefly busy after its last task exits).</summary>
    private const int RmdirAttempts = 10;

    /// <summary>The path components below each hierarchy root ("runa", "abc").</summary>
    private readonly string[] _components;

    /// <summary>The container's directory in each hierarchy, with what it created there.</summary>
    private readonly List<HierarchyDirectory> _directories;

    /// <summary>Machine facts, read on first validation.</summary>
    private CgroupMachine? _machine;

    protected CgroupManagerBase(CgroupLayout layout, string path, CgroupOptions options, IReadOnlyList<CgroupHierarchyState>? saved)
    {
        Layout = layout;
        Options = options;
        Path = path;
        _components = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        Debug.Assert(_components.Length > 0);
        _directories = saved is null
            ? layout.Hierarchies.Select(h => new HierarchyDirectory(h, JoinPath(h.MountPoint, path))).ToList()
            : saved.Select(s => new HierarchyDirectory(
                new CgroupHierarchy(s.MountPoint, s.Controllers, s.Unified), s.Directory) { OwnedDepth = s.OwnedDepth }).ToList();
    }

    /// <inheritdoc/>
    public CgroupMode Mode => Layout.Mode;

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Paths
    {
        get
        {
            var paths = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var d in _directories)
            {
                if (d.Hierarchy.IsUnified)
                {
                    paths["unified"] = d.Directory;
                }
                foreach (var controller in d.Hierarchy.Controllers)
                {
                    paths[controller] = d.Directory;
                }
            }
            return paths;
        }
    }

    /// <inheritdoc/>
    public CgroupState State => new()
    {
        Mode = Mode,
        Root = Layout.Root,
        Path = Path,
        Hierarchies = _directories.Select(d => new CgroupHierarchyState
        {
            MountPoint = d.Hierarchy.MountPoint,
            Controllers = [.. d.Hierarchy.Controllers],
            Unified = d.Hierarchy.IsUnified,
            Directory = d.Directory,
            OwnedDepth = d.OwnedDepth,
        }).ToList(),
    };

    protected CgroupLayout Layout { get; }

    protected CgroupOptions Options { get; }

    protected CgroupMachine Machine => _machine ??= Options.Machine ?? CgroupMachine.Current;

    /// <summary>The container's directory per hierarchy.</summary>
    protected IReadOnlyList<HierarchyDirectory> Directories => _directories;

    /// <summary>The hierarchy whose cgroup.procs lists the container's processes.</summary>
    protected abstract HierarchyDirectory Primary { get; }

    /// <inheritdoc/>
    public void Create()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                foreach (var d in _directories)
                {
                    CreateIn(d);
                }
                break;
            }
            catch (RunaSystemException e) when (e.Operation == "mkdir" && e.Errno == Errno.ENOENT && attempt < CreateAttempts)
            {
                // A parent (e.g. /runa) was removed by another container's destroy between our
                // mkdir of it and of its child: walk again.
            }
        }
        CheckUsable();
    }

    /// <inheritdoc/>
    public void Apply(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        // A manager loaded from state (runa exec) finds the cgroup there; a new one creates it.
        if (_directories.Any(d => !d.Created && !TryOpenLeafDisposing(d)))
        {
            Create();
        }
        var text = CgroupParse.Str(pid);
        foreach (var d in _directories)
        {
            using var dir = OpenLeaf(d);
            // EINVAL: the task is still TASK_NEW (being forked); the kernel asks us to retry.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    dir.WriteFile("cgroup.procs", text, errno => CgroupErrors.ProcsHint(errno, pid));
                    break;
                }
                catch (RunaSystemException e) when (e.Errno == Errno.EINVAL && attempt < 5)
                {
                    Thread.Sleep(10 * attempt);
                }
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<CgroupWarning> Set(LinuxResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var errors = CgroupResourceValidator.Validate(resources, Machine, Mode, Options.DeviceRulesOnV2).ToList();
        if (errors.Count == 0)
        {
            // Checks against the live cgroup (files present, current usage) only make sense on a
            // config that is valid on its own.
            Preflight(resources, errors);
        }
        if (errors.Count > 0)
        {
            throw new InvalidCgroupConfigException(errors);
        }
        var warnings = new List<CgroupWarning>();
        Write(resources, warnings);
        return warnings;
    }

    /// <inheritdoc/>
    public abstract CgroupStats GetStats();

    /// <inheritdoc/>
    public abstract ulong OomKillCount();

    /// <inheritdoc/>
    public abstract IOomNotifier OpenOomNotifier();

    /// <inheritdoc/>
    public abstract Task FreezeAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public abstract void Thaw();

    /// <inheritdoc/>
    public abstract FreezerState GetFreezerState();

    /// <inheritdoc/>
    public IReadOnlyList<int> GetPids()
    {
        using var dir = OpenLeaf(Primary);
        return CgroupParse.Pids(dir.ReadFile("cgroup.procs"), dir.Join("cgroup.procs"));
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> GetAllPids()
    {
        using var dir = TryOpenLeaf(Primary);
        if (dir is null)
        {
            throw new RunaSystemException("open", Primary.Directory, Errno.ENOENT, "the container's cgroup does not exist");
        }
        var pids = new List<int>();
        CollectPids(dir, pids);
        return pids;
    }

    /// <inheritdoc/>
    public bool Exists()
    {
        using var dir = TryOpenLeaf(Primary);
        return dir is not null;
    }

    /// <inheritdoc/>
    public bool ExistsAnywhere() => _directories.Any(TryOpenLeafDisposing);

    /// <inheritdoc/>
    public virtual SafeFd? OpenCloneIntoCgroupFd() => null;

    /// <inheritdoc/>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        if (_directories.Any(d => TryOpenLeafDisposing(d)))
        {
            await KillAllAsync(cancellationToken).ConfigureAwait(false);
            await WaitUntilEmptyAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var d in _directories)
        {
            await RemoveAsync(d, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Manager-specific checks against the live cgroup, before any write: controllers and knobs present, memory usage.</summary>
    protected abstract void Preflight(LinuxResources resources, List<CgroupConfigError> errors);

    /// <summary>Writes validated resources.</summary>
    protected abstract void Write(LinuxResources resources, List<CgroupWarning> warnings);

    /// <summary>Called for each directory of the path as the create walk reaches it, parent first.</summary>
    protected virtual void OnDirectoryReady(HierarchyDirectory d, CgroupDirectory parent, CgroupDirectory child, bool created)
    {
    }

    /// <summary>Kills every process in the cgroup tree (they may take a moment to leave).</summary>
    protected abstract Task KillAllAsync(CancellationToken cancellationToken);

    /// <summary>Opens the container's directory in a hierarchy; throws if it does not exist.</summary>
    protected CgroupDirectory OpenLeaf(HierarchyDirectory d)
    {
        var dir = TryOpenLeaf(d);
        if (dir is null)
        {
            throw new RunaSystemException("open", d.Directory, Errno.ENOENT, "the container's cgroup does not exist (not created yet, or destroyed)");
        }
        return dir;
    }

    /// <summary>Opens the container's directory in a hierarchy, or null if it does not exist.</summary>
    protected CgroupDirectory? TryOpenLeaf(HierarchyDirectory d) =>
        CgroupDirectory.Open(d.Hierarchy.MountPoint, RelativeIn(d), tolerateMissing: true);

    /// <summary>Every pid in the tree below (and in) <paramref name="dir"/>.</summary>
    protected static void CollectPids(CgroupDirectory dir, List<int> pids)
    {
        var procs = dir.TryReadFile("cgroup.procs");
        if (procs is null)
        {
            return;
        }
        pids.AddRange(CgroupParse.Pids(procs, dir.Join("cgroup.procs")));
        foreach (var name in dir.ListChildDirectories())
        {
            using var child = dir.OpenChild(name, tolerateMissing: true);
            if (child is not null)
            {
                CollectPids(child, pids);
            }
        }
    }

    /// <summary>Every pid in the container's tree, over all hierarchies (a process moved to a
    /// different sub-cgroup in one hierarchy is still the container's).</summary>
    protected List<int> AllPidsEverywhere()
    {
        var pids = new HashSet<int>();
        foreach (var d in _directories)
        {
            using var dir = TryOpenLeaf(d);
            if (dir is not null)
            {
                var list = new List<int>();
                CollectPids(dir, list);
                pids.UnionWith(list);
            }
        }
        return [.. pids];
    }

    /// <summary>SIGKILL each pid; ESRCH (already gone) is fine.</summary>
    protected static void KillPids(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            if (pid > 0 && Libc.kill(pid, Libc.SIGKILL) != 0)
            {
                var errno = Errno.Last;
                if (errno != Errno.ESRCH)
                {
                    throw new RunaSystemException("kill", $"pid {pid}", errno);
                }
            }
        }
    }

    /// <summary>Delay before retry <paramref name="attempt"/> (1-based): 1 ms doubling, capped at 50 ms.</summary>
    protected static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(50, 1 << Math.Min(attempt - 1, 6)));

    private bool TryOpenLeafDisposing(HierarchyDirectory d)
    {
        using var dir = TryOpenLeaf(d);
        return dir is not null;
    }

    private void CreateIn(HierarchyDirectory d)
    {
        var current = CgroupDirectory.OpenMount(d.Hierarchy.MountPoint);
        try
        {
            var relative = RelativeIn(d).Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < relative.Length; i++)
            {
                var created = current.CreateChild(relative[i]);
                var child = current.OpenChild(relative[i], tolerateMissing: false)!;
                if (created)
                {
                    // Everything from here down is this container's to remove.
                    d.OwnedDepth = Math.Max(d.OwnedDepth, relative.Length - i);
                }
                try
                {
                    OnDirectoryReady(d, current, child, created);
                }
                catch
                {
                    child.Dispose();
                    throw;
                }
                current.Dispose();
                current = child;
                if (i == relative.Length - 1)
                {
                    d.LeafPreExisted = !created && !d.Created;
                }
            }
            d.Created = true;
        }
        finally
        {
            current.Dispose();
        }
    }

    /// <summary>A pre-existing cgroup is joined only if it is empty and not frozen (runc's factory rule).</summary>
    private void CheckUsable()
    {
        var primary = Primary;
        if (!primary.LeafPreExisted)
        {
            return;
        }
        var pids = GetAllPids();
        if (pids.Count > 0)
        {
            throw new RunaSystemException("create cgroup", primary.Directory, Errno.EBUSY,
                $"it already holds {pids.Count} process(es) ({string.Join(' ', pids.Take(5))}{(pids.Count > 5 ? " ..." : "")}); another container uses this linux.cgroupsPath?");
        }
        if (GetFreezerState() is FreezerState.Frozen or FreezerState.Freezing)
        {
            throw new RunaSystemException("create cgroup", primary.Directory, Errno.EBUSY, "it is frozen; thaw it or choose another linux.cgroupsPath");
        }
    }

    private async Task WaitUntilEmptyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var left = AllPidsEverywhere();
            if (left.Count == 0)
            {
                return;
            }
            if (deadline.Elapsed > Options.DestroyTimeout)
            {
                throw new RunaSystemException("destroy cgroup", Primary.Directory, Errno.EBUSY,
                    $"processes {string.Join(' ', left.Take(10))} are still in it {Options.DestroyTimeout.TotalSeconds:0.#} s after SIGKILL (uninterruptible sleep?)");
            }
            // Stragglers (forked between listing and kill when no freezer was available) get
            // another SIGKILL; no second freeze, which could itself take FreezeTimeout.
            if (attempt % 10 == 0)
            {
                KillPids(left);
            }
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RemoveAsync(HierarchyDirectory d, CancellationToken cancellationToken)
    {
        var relative = RelativeIn(d).Split('/', StringSplitOptions.RemoveEmptyEntries);
        // The leaf always goes (it is the container's cgroup, as in runc); ancestors only if this
        // container created them, and only while they are empty (other containers share parents).
        // Runa's own parent (/runa by default) also goes once empty, whoever created it: with
        // overlapping containers its creator is often destroyed first, and nothing would remove it.
        var depth = Math.Max(1, Math.Max(d.OwnedDepth, DepthOfRemovableParent()));
        for (var level = 0; level < depth && level < relative.Length; level++)
        {
            var parentPath = string.Join('/', relative.Take(relative.Length - 1 - level));
            var name = relative[relative.Length - 1 - level];
            using var parent = CgroupDirectory.Open(d.Hierarchy.MountPoint, parentPath, tolerateMissing: true);
            if (parent is null)
            {
                continue;
            }
            if (level == 0)
            {
                await RemoveTreeAsync(parent, name, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var errno = parent.RemoveChild(name);
            if (errno is Errno.EBUSY or Errno.ENOTEMPTY or Errno.EEXIST)
            {
                break;
            }
            if (errno != 0 && errno != Errno.ENOENT)
            {
                throw new RunaSystemException("rmdir", parent.Join(name), errno);
            }
        }
        d.Created = false;
        d.OwnedDepth = 0;
    }

    /// <summary>Levels from the leaf up to and including a removable parent, when the cgroup lies beneath it (else 0).</summary>
    private int DepthOfRemovableParent()
    {
        if (!(Options.RemoveEmptyParent ?? Options.Parent == CgroupPathResolver.DefaultParent))
        {
            return 0;
        }
        var parent = Options.Parent.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parent.Length == 0 || _components.Length <= parent.Length ||
            !_components.Take(parent.Length).SequenceEqual(parent, StringComparer.Ordinal))
        {
            return 0;
        }
        return _components.Length - parent.Length + 1;
    }

    private static async Task RemoveTreeAsync(CgroupDirectory parent, string name, CancellationToken cancellationToken)
    {
        using (var dir = parent.OpenChild(name, tolerateMissing: true))
        {
            if (dir is null)
            {
                return;
            }
            foreach (var child in dir.ListChildDirectories())
            {
                await RemoveTreeAsync(dir, child, cancellationToken).ConfigureAwait(false);
            }
        }
        for (var attempt = 1; ; attempt++)
        {
            var errno = parent.RemoveChild(name);
            if (errno is 0 or Errno.ENOENT)
            {
                return;
            }
            if (errno != Errno.EBUSY || attempt == RmdirAttempts)
            {
                throw new RunaSystemException("rmdir", parent.Join(name), errno,
                    errno == Errno.EBUSY ? $"still busy after {RmdirAttempts} attempts (processes or sub-cgroups appeared?)" : null);
            }
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The directory of <paramref name="d"/> relative to its mount point.</summary>
    private static string RelativeIn(HierarchyDirectory d)
    {
        var mount = d.Hierarchy.MountPoint.TrimEnd('/');
        if (!d.Directory.StartsWith(mount + "/", StringComparison.Ordinal))
        {
            throw new InvalidCgroupConfigException(CgroupPathResolver.Field, $"{d.Directory} is not beneath its hierarchy {mount}");
        }
        var relative = d.Directory[(mount.Length + 1)..];
        // Saved state is data from disk: hold it to the same rules as a config path.
        CgroupPathResolver.Components(relative, " (saved cgroup state)", allowEmpty: false);
        return relative;
    }

    private static string JoinPath(string mountPoint, string path) => mountPoint.TrimEnd('/') + path;

    /// <summary>The container's directory in one hierarchy.</summary>
    protected sealed class HierarchyDirectory(CgroupHierarchy hierarchy, string directory)
    {
        /// <summary>The hierarchy.</summary>
        public CgroupHierarchy Hierarchy { get; } = hierarchy;

        /// <summary>Absolute directory of the container's cgroup in it.</summary>
        public string Directory { get; } = directory;

        /// <summary>Trailing path components this container created (0: none, even the leaf pre-existed).</summary>
        public int OwnedDepth { get; set; }

        /// <summary>Set once the create walk completed in this process.</summary>
        public bool Created { get; set; }

        /// <summary>The leaf existed before this manager's first create walk.</summary>
        public bool LeafPreExisted { get; set; }
    }
}
