using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Runa.Runtime.Interop;

namespace Runa.Host.Daemon;

/// <summary>
/// The daemon is a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so processes orphaned below it
/// — say, a background process of a container that shares the host's pid namespace, once the
/// container's init exits — become its children, and their zombies must be collected.
///
/// The hard part is not stealing: the daemon's own children (runa-init's stage 0, and each
/// container init, born a child of the daemon through CLONE_PARENT) are reaped by their owners,
/// <c>PidfdProcess</c> handles with reap=true, through waitid(P_PIDFD) once the pidfd turns
/// readable; a blind waitid(P_ALL) would take their exit status from under them (the owner gets
/// ECHILD and reports "status unknown", and a foreground `run` exits 255 instead of the
/// container's code). So:
/// <list type="number">
/// <item>Ownership is tracked: the daemon's <see cref="TrackingProcessTable"/> and
/// <see cref="TrackingInitLauncher"/> register every pid a reap=true handle is opened for, from
/// just before the handle exists until its owner has reaped it (its exit callback) or dropped it
/// (Dispose, after which no one else will reap it and it is fair game).</item>
/// <item>Spawning is fenced: between posix_spawn (or stage 0's clone of the init) and the
/// registration there is a window in which a child exists that nobody owns yet. Work that
/// creates children holds <see cref="BeginSpawn"/> for its duration (the daemon holds it for
/// each CreateContainer request, from receipt to reply: by then the init is attached, or the
/// create failed and everything it started is dead and unowned); no scan runs meanwhile, and a
/// deferred scan runs when the last fence is lifted.</item>
/// <item>A scan (on SIGCHLD, and every <c>interval</c> as a backstop) first peeks with
/// waitid(P_ALL, WNOHANG|WNOWAIT), which collects nothing; if a zombie exists it lists our
/// children (/proc/self/task/*/children) and collects each unowned one by pid with
/// waitid(P_PID, WNOHANG) — a running child yields nothing. Peeking alone cannot do it: P_ALL
/// only ever shows the first zombie, so one owned zombie would hide every other.</item>
/// </list>
/// Ownership checks, fences and collections happen under one lock, so a pid cannot become owned
/// between the check and the waitid.
/// </summary>
public sealed class ChildReaper : IDisposable
{
    private readonly Lock _gate = new();

    /// <summary>pid → number of live owning handles.</summary>
    private readonly Dictionary<int, int> _owned = [];

    private readonly ILogger _log;

    /// <summary>Open spawn fences; no scan runs while above zero.</summary>
    private int _spawning;

    /// <summary>A scan was wanted while fenced: run one when the last fence lifts.</summary>
    private bool _deferred;

    /// <summary>1 while a scan is queued on the pool (coalesces SIGCHLD bursts).</summary>
    private int _queued;

    private PosixSignalRegistration? _sigchld;
    private Timer? _timer;

    public ChildReaper(ILogger log)
    {
        _log = log;
    }

    /// <summary>Orphans collected so far.</summary>
    public int Reaped { get; private set; }

    /// <summary>Scans on SIGCHLD and every <paramref name="interval"/>.</summary>
    public void Start(TimeSpan interval)
    {
        _sigchld = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => Schedule());
        _timer = new Timer(_ => Schedule(), null, interval, interval);
        Schedule();
    }

    /// <summary>Marks <paramref name="pid"/> as owned until the returned token is disposed.</summary>
    public IDisposable Own(int pid)
    {
        lock (_gate)
        {
            _owned[pid] = _owned.GetValueOrDefault(pid) + 1;
        }
        return new Token(() =>
        {
            lock (_gate)
            {
                if (_owned.TryGetValue(pid, out var n) && n > 1)
                {
                    _owned[pid] = n - 1;
                }
                else
                {
                    _owned.Remove(pid);
                }
            }
        });
    }

    /// <summary>Holds scans off until the returned token is disposed (see the class comment).</summary>
    public IDisposable BeginSpawn()
    {
        lock (_gate)
        {
            _spawning++;
        }
        return new Token(() =>
        {
            bool scan;
            lock (_gate)
            {
                _spawning--;
                scan = _spawning == 0 && _deferred;
                if (scan)
                {
                    _deferred = false;
                }
            }
            if (scan)
            {
                Schedule();
            }
        });
    }

    /// <summary>Queues a scan on the thread pool unless one is queued already.</summary>
    public void Schedule()
    {
        if (Interlocked.Exchange(ref _queued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Scan(), null);
        }
    }

    /// <summary>Collects every exited child that nobody owns.</summary>
    public void Scan()
    {
        Volatile.Write(ref _queued, 0);
        try
        {
            lock (_gate)
            {
                if (_spawning > 0)
                {
                    _deferred = true;
                    return;
                }
                if (Sys.PeekExitedChild() == 0)
                {
                    return;
                }
                foreach (var pid in Sys.Children())
                {
                    if (_owned.ContainsKey(pid))
                    {
                        continue;
                    }
                    if (Sys.ReapChild(pid) is { } status)
                    {
                        Reaped++;
                        _log.LogInformation("reaped orphan pid {Pid} ({Status})", pid, status);
                    }
                }
            }
        }
        catch (Exception e) when (e is RunaSystemException or IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("reaping orphans: {Error}", e.Message);
        }
    }

    public void Dispose()
    {
        _sigchld?.Dispose();
        _timer?.Dispose();
    }

    private sealed class Token(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
