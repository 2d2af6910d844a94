using System.Collections.Concurrent;
using Runa.Actors.Containers;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Interop;
using Runa.Runtime.Oci;

namespace Runa.Actors.Tests.Fakes;

/// <summary>
/// Cgroups of one scenario: one <see cref="FakeCgroupManager"/> per container, found again by
/// <see cref="FromState"/> (so calls after create land on the same recorder). Processes moved
/// in with Apply, and children born there (<see cref="AdoptChild"/>), are what its destroy kills.
/// </summary>
public sealed class FakeCgroupFactory(FakeProcessTable processes) : ICgroupFactory
{
    private readonly ConcurrentDictionary<string, FakeCgroupManager> _byPath = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _news = new();

    /// <summary>Runs on each new manager before the container actor gets it (set faults, OOM counts, warnings).</summary>
    public Action<FakeCgroupManager>? Configure { get; set; }

    /// <summary>When set, New throws it (e.g. an invalid linux.cgroupsPath).</summary>
    public Exception? NewFault { get; set; }

    /// <summary>Container ids New was called for, in order.</summary>
    public IReadOnlyList<string> News => [.. _news];

    public IReadOnlyCollection<FakeCgroupManager> All => [.. _byPath.Values];

    public ICgroupManager New(string containerId, string? cgroupsPath)
    {
        _news.Enqueue(containerId);
        if (NewFault is { } fault)
        {
            throw fault;
        }
        var path = string.IsNullOrEmpty(cgroupsPath) ? "/runa/" + containerId : cgroupsPath;
        var manager = new FakeCgroupManager(containerId, path, fromState: false, processes.TryGet);
        Configure?.Invoke(manager);
        // A second create of the same id reuses the path, as the kernel's hierarchy would.
        _byPath[path] = manager;
        return manager;
    }

    public ICgroupManager FromState(CgroupState state) =>
        _byPath.TryGetValue(state.Path, out var m) ? m : new FakeCgroupManager("?", state.Path, fromState: true, processes.TryGet);

    /// <summary>The manager made for <paramref name="containerId"/> (the last one if several).</summary>
    public FakeCgroupManager? Of(string containerId) =>
        _byPath.Values.Where(m => m.ContainerId == containerId).OrderBy(m => m.Serial).LastOrDefault();

    /// <summary>A process forked inside the cgroup of <paramref name="parentPid"/> is born in it.</summary>
    public void AdoptChild(int parentPid, FakeProcess child)
    {
        foreach (var m in _byPath.Values)
        {
            m.AdoptIfMember(parentPid, child);
        }
    }
}

/// <summary>Operations of <see cref="ICgroupManager"/> a scenario can make fail.</summary>
public enum CgroupOp
{
    Create,
    Set,
    Apply,
    OomKillCount,
    Destroy,
    OpenOomNotifier,
    GetAllPids,
}

/// <summary>Records every call; fails the ones told to; destroy kills what is inside.</summary>
public sealed class FakeCgroupManager : ICgroupManager
{
    private static long s_serial;
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private readonly Dictionary<int, FakeProcess?> _members = [];
    private readonly Dictionary<CgroupOp, Exception> _faults = [];
    private readonly Func<int, FakeProcess?> _lookup;
    private bool _exists;

    public FakeCgroupManager(string containerId, string path, bool fromState, Func<int, FakeProcess?> lookup)
    {
        _lookup = lookup;
        ContainerId = containerId;
        Path = path;
        _exists = fromState;
        Serial = Interlocked.Increment(ref s_serial);
        Paths = new Dictionary<string, string>
        {
            ["cpu,cpuacct"] = "/fake/cgroup/cpu,cpuacct" + path,
            ["memory"] = "/fake/cgroup/memory" + path,
            ["name=systemd"] = "/fake/cgroup/systemd" + path,
            ["unified"] = "/fake/cgroup/unified" + path,
        };
        State = new CgroupState
        {
            Mode = CgroupMode.Hybrid,
            Root = "/fake/cgroup",
            Path = path,
            Hierarchies = [new CgroupHierarchyState { MountPoint = "/fake/cgroup/memory", Controllers = ["memory"], Directory = "/fake/cgroup/memory" + path, OwnedDepth = 1 }],
        };
    }

    public string ContainerId { get; }

    public long Serial { get; }

    public CgroupMode Mode => CgroupMode.Hybrid;

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Paths { get; }

    public CgroupState State { get; }

    /// <summary>What OomKillCount reports.</summary>
    public ulong OomKills { get; set; }

    /// <summary>What Set returns.</summary>
    public IReadOnlyList<CgroupWarning> Warnings { get; set; } = [];

    public FreezerState Freezer { get; set; } = FreezerState.Thawed;

    /// <summary>The resources of the last Set.</summary>
    public LinuxResources? LastResources { get; private set; }

    /// <summary>The notifier handed out after start, for a scenario to fire.</summary>
    public FakeOomNotifier? OomNotifier { get; private set; }

    /// <summary>"Create", "Set", "Apply 4200001", "OomKillCount", "Destroy", ... in call order.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public bool Destroyed => Calls.Contains("Destroy") && !Exists();

    public IReadOnlyList<int> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _members.Keys];
            }
        }
    }

    /// <summary>Makes <paramref name="op"/> throw <paramref name="error"/> from now on.</summary>
    public FakeCgroupManager FailOn(CgroupOp op, Exception error)
    {
        lock (_gate)
        {
            _faults[op] = error;
        }
        return this;
    }

    private void Record(CgroupOp op, string? detail = null)
    {
        Exception? fault;
        lock (_gate)
        {
            _calls.Add(detail is null ? op.ToString() : $"{op} {detail}");
            _faults.TryGetValue(op, out fault);
        }
        if (fault is not null)
        {
            throw fault;
        }
    }

    public void Create()
    {
        Record(CgroupOp.Create);
        lock (_gate)
        {
            _exists = true;
        }
    }

    public void Apply(int pid)
    {
        Record(CgroupOp.Apply, pid.ToString());
        lock (_gate)
        {
            _exists = true;
            _members[pid] = _lookup(pid);
        }
    }

    /// <summary>Called by the fake launcher: which fake process a pid is.</summary>
    internal void AdoptIfMember(int parentPid, FakeProcess child)
    {
        lock (_gate)
        {
            if (_members.ContainsKey(parentPid))
            {
                _members[child.Pid] = child;
            }
        }
    }

    /// <summary>What the real validator checks CPU and node lists against.</summary>
    public static CgroupMachine Machine { get; } = new(new SortedSet<int> { 0, 1, 2, 3 }, new SortedSet<int> { 0 }, new SortedSet<string> { "2MB" });

    public IReadOnlyList<CgroupWarning> Set(LinuxResources resources)
    {
        // As the real managers do: an invalid request is refused before anything is written.
        CgroupResourceValidator.ThrowIfInvalid(resources, Machine, Mode);
        Record(CgroupOp.Set);
        LastResources = resources;
        return Warnings;
    }

    /// <summary>What GetStats reports.</summary>
    public CgroupStats Stats { get; set; } = new();

    public CgroupStats GetStats() => Stats;

    public ulong OomKillCount()
    {
        Record(CgroupOp.OomKillCount);
        return OomKills;
    }

    public IOomNotifier OpenOomNotifier()
    {
        Record(CgroupOp.OpenOomNotifier);
        OomNotifier = new FakeOomNotifier(this);
        return OomNotifier;
    }

    public Task FreezeAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _calls.Add("Freeze");
        }
        Freezer = FreezerState.Frozen;
        return Task.CompletedTask;
    }

    public void Thaw()
    {
        lock (_gate)
        {
            _calls.Add("Thaw");
        }
        Freezer = FreezerState.Thawed;
    }

    public FreezerState GetFreezerState() => Freezer;

    public IReadOnlyList<int> GetPids() => GetAllPids();

    public IReadOnlyList<int> GetAllPids()
    {
        Record(CgroupOp.GetAllPids);
        lock (_gate)
        {
            return [.. _members.Where(m => m.Value is not { HasExited: true }).Select(m => m.Key)];
        }
    }

    public Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Record(CgroupOp.Destroy);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
        List<FakeProcess> inside;
        lock (_gate)
        {
            inside = [.. _members.Values.OfType<FakeProcess>()];
            _members.Clear();
            _exists = false;
        }
        // As the kernel's destroy does: whatever is still inside is killed.
        foreach (var p in inside)
        {
            p.KillFromCgroup();
        }
        return Task.CompletedTask;
    }

    public bool ExistsAnywhere() => Exists();

    public bool Exists()
    {
        lock (_gate)
        {
            return _exists;
        }
    }

    public SafeFd? OpenCloneIntoCgroupFd() => null;

    public override string ToString() => $"cgroup {Path} [{string.Join(", ", Calls)}]";
}

/// <summary>An OOM notifier on a real eventfd, so the epoll loop wakes the cgroup actor when a scenario fires it.</summary>
public sealed class FakeOomNotifier(FakeCgroupManager owner) : IOomNotifier
{
    private long _pendingKills;

    public SafeFd Fd { get; } = Sys.EventFd();

    public bool Disposed { get; private set; }

    /// <summary>The kernel OOM-killed <paramref name="kills"/> processes: the counter rises and the fd turns readable.</summary>
    public void Fire(ulong kills)
    {
        Interlocked.Add(ref _pendingKills, (long)kills);
        owner.OomKills += kills;
        Span<byte> one = stackalloc byte[8];
        one[0] = 1;
        Sys.WriteAll(Fd, one, "fake oom eventfd");
    }

    public OomCheck Check()
    {
        Span<byte> buffer = stackalloc byte[8];
        var signalled = Sys.Read(Fd, buffer, "fake oom eventfd") == 8;
        var kills = (ulong)Interlocked.Exchange(ref _pendingKills, 0);
        return new OomCheck(signalled, owner.OomKills, kills, CgroupRemoved: !owner.Exists());
    }

    public void Dispose()
    {
        Disposed = true;
        Fd.Dispose();
    }
}
