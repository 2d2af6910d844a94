using System.Diagnostics;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// cgroup v1 (and hybrid): one directory per mounted hierarchy (/sys/fs/cgroup/&lt;controller&gt;/path),
/// including the named name=systemd hierarchy and, in hybrid mode, the cgroup2 mount (joined for
/// process tracking only; no controllers are used there, as in runc).
/// </summary>
internal sealed partial class Fs1Manager : CgroupManagerBase
{
    /// <summary>freezer.state write/read rounds before giving up (runc uses 1000).</summary>
    private const int FreezeAttempts = 1000;

    public Fs1Manager(CgroupLayout layout, string path, CgroupOptions options, IReadOnlyList<CgroupHierarchyState>? saved = null)
        : base(layout, path, options, saved)
    {
        if (layout.Mode == CgroupMode.Unified)
        {
            throw new ArgumentException("a v2-only layout needs the v2 manager", nameof(layout));
        }
        // Without the devices controller a container could open any device node it can mknod:
        // runc treats its absence as fatal, and so does Runa.
        if (Controller("devices") is null)
        {
            throw new RunaSystemException("probe cgroups", layout.Root + "/devices", Errno.ENOENT,
                "the v1 devices controller is not mounted; refusing to run containers without device confinement");
        }
    }

    /// <inheritdoc/>
    protected override HierarchyDirectory Primary => Controller("devices") ?? Directories[0];

    /// <inheritdoc/>
    public override ulong OomKillCount()
    {
        using var dir = OpenController("memory", "OOM kill count");
        var values = CgroupParse.KeyValues(dir.ReadFile("memory.oom_control"), dir.Join("memory.oom_control"));
        return values.GetValueOrDefault("oom_kill");
    }

    /// <inheritdoc/>
    public override IOomNotifier OpenOomNotifier()
    {
        if (Controller("memory") is null)
        {
            throw NotMounted("memory", "OOM notification");
        }
        return new EventFdOomNotifier(this);
    }

    /// <summary>The memory cgroup of the container (for the notifier's re-reads), or null if gone.</summary>
    internal CgroupDirectory? TryOpenMemory() => Controller("memory") is { } d ? TryOpenLeaf(d) : null;

    /// <inheritdoc/>
    public override async Task FreezeAsync(CancellationToken cancellationToken = default)
    {
        using var dir = OpenController("freezer", "freezing");
        // The kernel protocol (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst): write
        // FROZEN, read back; FREEZING means some task has not stopped yet, so write again. While
        // tasks keep forking it may never settle, so every 50th round thaws and pauses briefly (the
        // numbers follow runc's empirical ones); the whole attempt is bounded in count and time.
        var clock = Stopwatch.StartNew();
        try
        {
            for (var attempt = 1; attempt <= FreezeAttempts; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attempt % 50 == 0)
                {
                    dir.WriteFile("freezer.state", "THAWED");
                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
                dir.WriteFile("freezer.state", "FROZEN");
                var state = dir.ReadFile("freezer.state").Trim();
                if (state == "FROZEN")
                {
                    return;
                }
                if (state != "FREEZING")
                {
                    throw new RunaSystemException("freeze", dir.Join("freezer.state"), Errno.EIO, $"unexpected state {CgroupErrors.Quote(state)}");
                }
                if (clock.Elapsed > Options.FreezeTimeout)
                {
                    break;
                }
                if (attempt % 10 == 0)
                {
                    await Task.Delay(Backoff(attempt / 10), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Yield();
                }
            }
            throw new RunaSystemException("freeze", dir.Join("freezer.state"), Errno.EBUSY,
                $"still FREEZING after {clock.Elapsed.TotalSeconds:0.#} s (tasks keep forking, or one is stuck in the kernel)");
        }
        catch
        {
            // Leaving a cgroup half-frozen is worse than not freezing it.
            TryThaw(dir);
            throw;
        }
    }

    /// <inheritdoc/>
    public override void Thaw()
    {
        using var dir = OpenController("freezer", "thawing");
        dir.WriteFile("freezer.state", "THAWED");
    }

    /// <inheritdoc/>
    public override FreezerState GetFreezerState()
    {
        if (Controller("freezer") is not { } freezer)
        {
            return FreezerState.Undefined;
        }
        using var dir = OpenLeaf(freezer);
        var state = dir.TryReadFile("freezer.state")?.Trim();
        switch (state)
        {
            case null:
                return FreezerState.Undefined;
            case "THAWED":
                return FreezerState.Thawed;
            case "FREEZING":
                return FreezerState.Freezing;
            case "FROZEN":
                // Frozen because an ancestor is frozen is not this container being paused (runc).
                return dir.TryReadFile("freezer.self_freezing")?.Trim() == "0" ? FreezerState.Thawed : FreezerState.Frozen;
            default:
                throw new RunaSystemException("read", dir.Join("freezer.state"), Errno.EIO, $"unknown state {CgroupErrors.Quote(state)}");
        }
    }

    /// <inheritdoc/>
    protected override void OnDirectoryReady(HierarchyDirectory d, CgroupDirectory parent, CgroupDirectory child, bool created)
    {
        if (!d.Hierarchy.Has("cpuset"))
        {
            return;
        }
        // A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and a task cannot be
        // attached to it (ENOSPC) until both are set: copy them from the parent, walking down from
        // the hierarchy root so every level is filled.
        foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            var own = child.ReadFile(file);
            if (own.Trim().Length == 0)
            {
                var inherited = parent.ReadFile(file).Trim();
                child.WriteFile(file, inherited, errno => errno == Errno.EINVAL || errno == Errno.ENOSPC
                    ? $"the parent {parent.Path} has {CgroupErrors.Quote(inherited)}" : null);
            }
        }
    }

    /// <inheritdoc/>
    protected override async Task KillAllAsync(CancellationToken cancellationToken)
    {
        // Freeze first so nothing can fork between listing the processes and killing them; frozen
        // tasks die once thawed. Without a freezer, kill what is there (WaitUntilEmpty re-kills).
        var frozen = false;
        if (Controller("freezer") is { } freezer && TryOpenLeaf(freezer) is { } probe)
        {
            probe.Dispose();
            try
            {
                await FreezeAsync(cancellationToken).ConfigureAwait(false);
                frozen = true;
            }
            catch (RunaSystemException)
            {
                // A freeze that does not settle must not block the kill.
            }
        }
        try
        {
            KillPids(AllPidsEverywhere());
        }
        finally
        {
            if (frozen)
            {
                using var dir = TryOpenLeaf(Controller("freezer")!);
                if (dir is not null)
                {
                    TryThaw(dir);
                }
            }
        }
    }

    /// <summary>The container's directory in the hierarchy binding <paramref name="controller"/>, or null.</summary>
    private HierarchyDirectory? Controller(string controller) =>
        Directories.FirstOrDefault(d => !d.Hierarchy.IsUnified && d.Hierarchy.Has(controller));

    private CgroupDirectory OpenController(string controller, string purpose)
    {
        var d = Controller(controller) ?? throw NotMounted(controller, purpose);
        return OpenLeaf(d);
    }

    private RunaSystemException NotMounted(string controller, string purpose) =>
        new("open", $"{Layout.Root}/{controller}", Errno.ENOENT, $"controller {controller} not available (no v1 hierarchy binds it), needed for {purpose}");

    private static void TryThaw(CgroupDirectory dir)
    {
        try
        {
            dir.WriteFile("freezer.state", "THAWED");
        }
        catch (RunaSystemException)
        {
            // Best effort: the original failure is the one to report.
        }
    }
}
