using System.Diagnostics;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// cgroup v2 (unified): one directory under the cgroup2 root. Controllers are enabled for the
/// container by writing them into each ancestor's cgroup.subtree_control while the path is created.
/// </summary>
internal sealed partial class Fs2Manager : CgroupManagerBase
{
    public Fs2Manager(CgroupLayout layout, string path, CgroupOptions options, IReadOnlyList<CgroupHierarchyState>? saved = null)
        : base(layout, path, options, saved)
    {
        if (layout.Mode != CgroupMode.Unified)
        {
            throw new ArgumentException("the v2 manager needs a unified layout", nameof(layout));
        }
    }

    /// <inheritdoc/>
    protected override HierarchyDirectory Primary => Directories[0];

    /// <inheritdoc/>
    public override ulong OomKillCount()
    {
        using var dir = OpenLeaf(Primary);
        return CgroupParse.KeyValues(dir.ReadFile("memory.events"), dir.Join("memory.events")).GetValueOrDefault("oom_kill");
    }

    /// <inheritdoc/>
    public override IOomNotifier OpenOomNotifier()
    {
        var dir = OpenLeaf(Primary);
        return new InotifyOomNotifier(this, dir);
    }

    /// <summary>The container's directory, or null if gone (for the notifier's re-reads).</summary>
    internal CgroupDirectory? TryOpen() => TryOpenLeaf(Primary);

    /// <inheritdoc/>
    public override SafeFd? OpenCloneIntoCgroupFd()
    {
        using var dir = OpenLeaf(Primary);
        return dir.OpenFile(".", Libc.O_RDONLY | Libc.O_DIRECTORY);
    }

    /// <inheritdoc/>
    public override async Task FreezeAsync(CancellationToken cancellationToken = default)
    {
        using var dir = OpenLeaf(Primary);
        dir.WriteFile("cgroup.freeze", "1", errno => errno == Errno.ENOENT ? "the cgroup v2 freezer needs Linux 5.2 (no cgroup.freeze)" : null);
        try
        {
            // cgroup.freeze only asks; cgroup.events says "frozen 1" once every task stopped
            // (Documentation/admin-guide/cgroup-v2.rst). The kernel also signals the file (poll
            // POLLPRI); re-reading with a short backoff is simpler and bounded the same way.
            var clock = Stopwatch.StartNew();
            for (var attempt = 1; ; attempt++)
            {
                if (EventValue(dir, "frozen") == "1")
                {
                    return;
                }
                if (clock.Elapsed > Options.FreezeTimeout)
                {
                    throw new RunaSystemException("freeze", dir.Join("cgroup.events"), Errno.EBUSY,
                        $"not \"frozen 1\" {Options.FreezeTimeout.TotalSeconds:0.#} s after writing cgroup.freeze (a task stuck in the kernel?)");
                }
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            TryWrite(dir, "cgroup.freeze", "0");
            throw;
        }
    }

    /// <inheritdoc/>
    public override void Thaw()
    {
        using var dir = OpenLeaf(Primary);
        dir.WriteFile("cgroup.freeze", "0", errno => errno == Errno.ENOENT ? "the cgroup v2 freezer needs Linux 5.2 (no cgroup.freeze)" : null);
    }

    /// <inheritdoc/>
    public override FreezerState GetFreezerState()
    {
        using var dir = OpenLeaf(Primary);
        return dir.TryReadFile("cgroup.freeze")?.Trim() switch
        {
            null => FreezerState.Undefined,
            "0" => FreezerState.Thawed,
            "1" => EventValue(dir, "frozen") == "1" ? FreezerState.Frozen : FreezerState.Freezing,
            var other => throw new RunaSystemException("read", dir.Join("cgroup.freeze"), Errno.EIO, $"unknown state {CgroupErrors.Quote(other)}"),
        };
    }

    /// <inheritdoc/>
    protected override void OnDirectoryReady(HierarchyDirectory d, CgroupDirectory parent, CgroupDirectory child, bool created)
    {
        // A child only gets the controllers its parent lists in cgroup.subtree_control. Enable
        // every controller the parent has (as runc and crun do). Failures are not fatal here:
        // a delegated or busy parent may refuse some; Set then reports "controller X not
        // available" for what the config actually needs.
        var available = Words(parent.TryReadFile("cgroup.controllers"));
        var enabled = Words(parent.TryReadFile("cgroup.subtree_control")).Select(w => w.TrimStart('+')).ToHashSet(StringComparer.Ordinal);
        var missing = available.Where(c => !enabled.Contains(c)).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        if (!TryWrite(parent, "cgroup.subtree_control", string.Join(' ', missing.Select(c => "+" + c))))
        {
            foreach (var controller in missing)
            {
                TryWrite(parent, "cgroup.subtree_control", "+" + controller);
            }
        }
    }

    /// <inheritdoc/>
    protected override async Task KillAllAsync(CancellationToken cancellationToken)
    {
        using (var dir = TryOpenLeaf(Primary))
        {
            // cgroup.kill (Linux 5.14) SIGKILLs the whole subtree atomically, forks included.
            if (dir is null || (dir.Exists("cgroup.kill") && TryWrite(dir, "cgroup.kill", "1")))
            {
                return;
            }
        }
        var frozen = false;
        try
        {
            await FreezeAsync(cancellationToken).ConfigureAwait(false);
            frozen = true;
        }
        catch (RunaSystemException)
        {
            // Kill anyway; WaitUntilEmpty re-kills stragglers.
        }
        try
        {
            KillPids(AllPidsEverywhere());
        }
        finally
        {
            if (frozen && TryOpenLeaf(Primary) is { } dir)
            {
                using (dir)
                {
                    TryWrite(dir, "cgroup.freeze", "0");
                }
            }
        }
    }

    /// <summary>A "key value" line of cgroup.events ("populated 1", "frozen 0").</summary>
    private static string? EventValue(CgroupDirectory dir, string key)
    {
        foreach (var line in dir.ReadFile("cgroup.events").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key)
            {
                return parts[1].Trim();
            }
        }
        return null;
    }

    private static List<string> Words(string? text) =>
        text is null ? [] : [.. text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];

    private static bool TryWrite(CgroupDirectory dir, string file, string value)
    {
        try
        {
            dir.WriteFile(file, value);
            return true;
        }
        catch (RunaSystemException)
        {
            return false;
        }
    }
}
