using Runa.Kernel;
using Runa.Runtime.Cgroups;
using Runa.Runtime.Io;
using Runa.Runtime.Oci;

namespace Runa.Actors.Containers;

/// <summary>
/// The container's cgroup (child "cgroup"): wraps one <see cref="ICgroupManager"/>, which is
/// not thread-safe, so that only this actor touches it. Every command answers with a typed
/// reply or a Status.Failure with a <see cref="CgroupOperationException"/> naming the operation; expected failures do not restart it.
/// After start, <see cref="WatchOom"/> turns OOM kills into <see cref="OomKilled"/> for the parent.
/// </summary>
public sealed class CgroupManagerActor : ReceiveActor, IWithTimers
{
    // v1 signals the eventfd when the cgroup enters OOM, before the victim is killed and counted:
    // a signal without a new kill is re-checked a few times, briefly, until the count moves.
    private const int OomRechecks = 25;
    private static readonly TimeSpan s_oomRecheckInterval = TimeSpan.FromMilliseconds(20);
    private int _oomRechecksLeft;

    private readonly ICgroupManager _manager;
    private IOomNotifier? _oom;
    private IDisposable? _oomWatch;

    // An existing cgroup the container joins may carry kills from before it: only a rise above
    // the count at set-up is this container's. Unknown (unreadable) counts as zero.
    private ulong _oomBaseline;

    public CgroupManagerActor(ICgroupManager manager)
    {
        _manager = manager;
        Receive<SetUpCgroup>(m => Try("set up the cgroup", () =>
        {
            _manager.Create();
            _oomBaseline = ReadOomBaseline();
            var warnings = m.Resources is null ? [] : _manager.Set(m.Resources);
            return new CgroupSetUp(warnings, _manager.Paths, _manager.State);
        }));
        Receive<ApplyCgroup>(m => Try($"move pid {m.Pid} into the cgroup", () =>
        {
            _manager.Apply(m.Pid);
            return new CgroupApplied(m.Pid);
        }));
        Receive<UpdateCgroup>(m => Try("update the cgroup", () => new CgroupUpdated(_manager.Set(m.Resources))));
        Receive<GetCgroupStats>(_ => Try("read the cgroup stats", () => new CgroupStatsReply(_manager.GetStats())));
        Receive<GetOomKillCount>(_ => Try("read the OOM kill count", () => new OomKillCount(_manager.Exists() ? _manager.OomKillCount() : 0, _oomBaseline)));
        Receive<GetCgroupPids>(m => Try("list the cgroup's processes", () =>
            new CgroupPids(!_manager.Exists() ? [] : m.Recursive ? _manager.GetAllPids() : _manager.GetPids())));
        Receive<GetFreezerState>(_ => Try("read the freezer state", () => new FreezerStateReply(_manager.GetFreezerState())));
        ReceiveAsync<FreezeCgroup>(async _ =>
        {
            var sender = Sender;
            try
            {
                await _manager.FreezeAsync();
                sender.Tell(new CgroupFrozen());
            }
            catch (Exception e)
            {
                sender.Tell(new Status.Failure(new CgroupOperationException("freeze the cgroup", e)));
            }
        });
        Receive<ThawCgroup>(_ => Try("thaw the cgroup", () =>
        {
            _manager.Thaw();
            return new CgroupThawed();
        }));
        ReceiveAsync<DestroyCgroup>(async _ =>
        {
            var sender = Sender;
            StopOomWatch();
            try
            {
                await _manager.DestroyAsync();
                sender.Tell(new CgroupDestroyed());
            }
            catch (Exception e)
            {
                sender.Tell(new Status.Failure(new CgroupOperationException("remove the cgroup", e)));
            }
        });
        Receive<WatchOom>(_ => StartOomWatch());
        Receive<OomReadable>(_ => CheckOom(recheck: false));
        Receive<OomRecheck>(_ => CheckOom(recheck: true));
    }

    private void Try(string operation, Func<object> action)
    {
        try
        {
            Sender.Tell(action());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Sender.Tell(new Status.Failure(new CgroupOperationException(operation, e)));
        }
    }

    private ulong ReadOomBaseline()
    {
        try
        {
            return _manager.OomKillCount();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // No memory controller, say: the failure path's own read will fail the same way.
            Context.GetLogger().Debug($"cannot read the OOM kill count of {_manager.Path} at set-up: {e.Message}");
            return 0;
        }
    }

    private void StartOomWatch()
    {
        if (_oom is not null || !_manager.Exists())
        {
            return;
        }
        try
        {
            _oom = _manager.OpenOomNotifier();
        }
        catch (Exception e)
        {
            Context.GetLogger().Warning($"cannot watch for OOM kills in {_manager.Path}: {e.Message}");
            return;
        }
        var self = Self;
        _oomWatch = EpollLoop.Shared.Watch(_oom.Fd, () => self.Tell(OomReadable.Instance));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void CheckOom(bool recheck)
    {
        if (_oom is null)
        {
            return;
        }
        var check = _oom.Check();
        if (check.NewKills > 0)
        {
            Timers.Cancel("oom-recheck");
            _oomRechecksLeft = 0;
            Context.Parent.Tell(new OomKilled(check.NewKills));
        }
        else if (check.Signalled && !recheck)
        {
            _oomRechecksLeft = OomRechecks;
            Timers.StartPeriodicTimer("oom-recheck", OomRecheck.Instance, s_oomRecheckInterval);
        }
        else if (recheck && --_oomRechecksLeft <= 0)
        {
            Timers.Cancel("oom-recheck");
        }
        if (!_manager.Exists())
        {
            StopOomWatch();
        }
    }

    private void StopOomWatch()
    {
        Timers.Cancel("oom-recheck");
        _oomWatch?.Dispose();
        _oomWatch = null;
        _oom?.Dispose();
        _oom = null;
    }

    protected override void PostStop() => StopOomWatch();

    private sealed record OomReadable
    {
        public static OomReadable Instance { get; } = new();
    }

    private sealed record OomRecheck
    {
        public static OomRecheck Instance { get; } = new();
    }
}

public sealed record SetUpCgroup(LinuxResources? Resources);

public sealed record CgroupSetUp(IReadOnlyList<CgroupWarning> Warnings, IReadOnlyDictionary<string, string> Paths, CgroupState State);

public sealed record ApplyCgroup(int Pid);

public sealed record CgroupApplied(int Pid);

public sealed record UpdateCgroup(LinuxResources Resources);

public sealed record CgroupUpdated(IReadOnlyList<CgroupWarning> Warnings);

public sealed record GetCgroupStats;

public sealed record CgroupStatsReply(CgroupStats Stats);

public sealed record GetOomKillCount;

/// <summary>The cgroup's OOM kill counter now, and what it was when the cgroup was set up.</summary>
public sealed record OomKillCount(ulong Count, ulong Baseline = 0)
{
    /// <summary>Kills since set-up: the ones this container's processes suffered.</summary>
    public ulong Rise => Count > Baseline ? Count - Baseline : 0;
}

public sealed record GetCgroupPids(bool Recursive);

public sealed record CgroupPids(IReadOnlyList<int> Pids);

public sealed record GetFreezerState;

public sealed record FreezerStateReply(FreezerState State);

public sealed record FreezeCgroup;

public sealed record CgroupFrozen;

public sealed record ThawCgroup;

public sealed record CgroupThawed;

public sealed record DestroyCgroup;

public sealed record CgroupDestroyed;

public sealed record WatchOom;

/// <summary>The kernel OOM-killed processes in the container's cgroup.</summary>
public sealed record OomKilled(ulong Count);

/// <summary>A cgroup operation failed; the message says which and why.</summary>
public sealed class CgroupOperationException(string operation, Exception cause) : Exception($"{operation}: {cause.Message}", cause)
{
    public string Operation { get; } = operation;
}
