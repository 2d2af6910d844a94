using System.Collections.Concurrent;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;
using Runa.Runtime.Launch;

namespace Runa.Actors.Tests.Fakes;

/// <summary>
/// A process that exists only in a <see cref="FakeProcessTable"/>: it "runs" until
/// <see cref="Exit"/> or a signal whose <see cref="OnSignal"/> reaction is an exit. Like the kernel,
/// it first closes its fds (<see cref="Dying"/>) and then turns its exit fd readable; handles see
/// the exit on the shared epoll loop, as pidfds are (so the exit is ordered after everything the
/// process wrote before it, as it is for real).
/// </summary>
public sealed class FakeProcess
{
    private readonly Lock _gate = new();
    private readonly List<int> _signals = [];
    private readonly TaskCompletionSource<ExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExitStatus? _status;
    private int _listeners;

    public FakeProcess(int pid, ulong startTime, string name)
    {
        Pid = pid;
        StartTime = startTime;
        Name = name;
    }

    public int Pid { get; }

    public ulong StartTime { get; }

    public string Name { get; }

    /// <summary>What a signal does to this process: the exit it causes, or null (caught or ignored).</summary>
    public Func<int, ExitStatus?> OnSignal { get; set; } = RunaInitSignals;

    /// <summary>Runs when the process exits, before the exit is reported (the kernel closes fds first).</summary>
    public event Action<FakeProcess>? Dying;

    /// <summary>Every signal sent through a handle, in order.</summary>
    public IReadOnlyList<int> Signals
    {
        get
        {
            lock (_gate)
            {
                return [.. _signals];
            }
        }
    }

    /// <summary>True if the cgroup's destroy had to kill it (nothing else did).</summary>
    public bool KilledByCgroup { get; private set; }

    public bool HasExited
    {
        get
        {
            lock (_gate)
            {
                return _status is not null;
            }
        }
    }

    public ExitStatus? ExitStatus
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>Completes when the process exits.</summary>
    public Task<ExitStatus> Exited => _exited.Task;

    /// <summary>How many handles still wait for the exit (not yet told, not disposed).</summary>
    public int ExitListeners => Volatile.Read(ref _listeners);

    /// <summary>Exit fds of the handles watching (each handle has its own, as each pidfd is its own fd).</summary>
    private readonly List<SafeFd> _exitFds = [];

    /// <summary>runa-init before exec: SIGKILL kills; the fatal signals it handles make it _exit(128 + sig); the rest is ignored.</summary>
    public static ExitStatus? RunaInitSignals(int signal) => signal switch
    {
        9 => Runa.Runtime.Interop.ExitStatus.Killed(9),
        1 or 2 or 3 or 10 or 12 or 14 or 15 => Runa.Runtime.Interop.ExitStatus.Exited(128 + signal),
        _ => null,
    };

    /// <summary>A user process with default dispositions: the terminating signals kill it.</summary>
    public static ExitStatus? DefaultSignals(int signal) => signal switch
    {
        0 or 17 or 18 or 19 or 20 or 23 or 28 => null,
        _ => Runa.Runtime.Interop.ExitStatus.Killed(signal),
    };

    /// <summary>A process stuck in the kernel (D state): even SIGKILL does nothing for now.</summary>
    public static ExitStatus? Unkillable(int signal) => null;

    /// <summary>The process exits (idempotent): its fds close, then its exit turns observable.</summary>
    public void Exit(ExitStatus status)
    {
        lock (_gate)
        {
            if (_status is not null)
            {
                return;
            }
            _status = status;
        }
        Dying?.Invoke(this);
        _exited.TrySetResult(status);
        lock (_gate)
        {
            foreach (var fd in _exitFds)
            {
                Signal(fd);
            }
        }
    }

    private static void Signal(SafeFd eventFd)
    {
        Span<byte> one = stackalloc byte[8];
        one[0] = 1;
        Sys.WriteAll(eventFd, one, "fake process exit fd");
    }

    /// <summary>Makes <paramref name="eventFd"/> readable when the process exits (at once if it has).</summary>
    internal void Subscribe(SafeFd eventFd)
    {
        lock (_gate)
        {
            _exitFds.Add(eventFd);
            if (_status is not null)
            {
                Signal(eventFd);
            }
        }
    }

    internal void Unsubscribe(SafeFd eventFd)
    {
        lock (_gate)
        {
            _exitFds.Remove(eventFd);
        }
    }

    /// <summary>What a cgroup destroy does to a process still inside it.</summary>
    public void KillFromCgroup()
    {
        if (!HasExited)
        {
            KilledByCgroup = true;
            Exit(Runa.Runtime.Interop.ExitStatus.Killed(9));
        }
    }

    internal bool Signal(int signal)
    {
        lock (_gate)
        {
            if (_status is not null)
            {
                return false;
            }
            _signals.Add(signal);
        }
        if (OnSignal(signal) is { } status)
        {
            Exit(status);
        }
        return true;
    }

    internal void AddListener(int delta) => Interlocked.Add(ref _listeners, delta);

    public override string ToString() => $"{Name} (pid {Pid})";
}

/// <summary>A handle on a <see cref="FakeProcess"/>: like a pidfd (see PidfdProcess), useless once disposed.</summary>
public sealed class FakeProcessHandle(FakeProcess process, bool reap) : IProcessHandle
{
    private readonly Lock _gate = new();
    private Action<ExitStatus?>? _onExit;
    private SafeFd? _exitFd;
    private IDisposable? _watch;
    private bool _told;
    private bool _disposed;

    public FakeProcess Process { get; } = process;

    public bool Reap { get; } = reap;

    public int Pid => Process.Pid;

    public bool Signal(int signal)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }
        }
        return Process.Signal(signal);
    }

    public void OnExit(Action<ExitStatus?> onExit)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            if (!_told)
            {
                if (_onExit is null)
                {
                    Process.AddListener(1);
                }
                _onExit += onExit;
                if (_exitFd is null)
                {
                    _exitFd = Sys.EventFd();
                    _watch = EpollLoop.Shared.Watch(_exitFd, Exited);
                    Process.Subscribe(_exitFd);
                }
                return;
            }
        }
        onExit(Process.ExitStatus);
    }

    private void Exited()
    {
        Action<ExitStatus?>? callbacks;
        lock (_gate)
        {
            if (_told || _disposed || !Process.HasExited)
            {
                return;
            }
            _told = true;
            callbacks = _onExit;
            _onExit = null;
            ReleaseFd();
            Process.AddListener(-1);
        }
        callbacks?.Invoke(Process.ExitStatus);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            ReleaseFd();
            if (_onExit is not null && !_told)
            {
                Process.AddListener(-1);
            }
            _onExit = null;
        }
    }

    private void ReleaseFd()
    {
        if (_exitFd is not null)
        {
            Process.Unsubscribe(_exitFd);
            _watch?.Dispose();
            _watch = null;
            _exitFd.Dispose();
            _exitFd = null;
        }
    }
}

/// <summary>
/// The process table of one scenario. Pids start above the kernel's PID_MAX_LIMIT (4194304), so a
/// fake pid that leaks into a real syscall (kill(2)) can never hit a real process.
/// </summary>
public sealed class FakeProcessTable : IProcessTable
{
    private readonly ConcurrentDictionary<int, FakeProcess> _processes = new();
    private readonly ConcurrentQueue<(int Pid, ulong? StartTime, bool Reap)> _attaches = new();
    private int _nextPid = 4_200_000;
    private long _nextStartTime = 50_000;

    /// <summary>When set, Attach throws what it returns (null: attach normally), e.g. EMFILE.</summary>
    public Func<int, Exception?>? AttachFault { get; set; }

    /// <summary>Every Attach call, in order.</summary>
    public IReadOnlyList<(int Pid, ulong? StartTime, bool Reap)> Attaches => [.. _attaches];

    public IReadOnlyCollection<FakeProcess> All => [.. _processes.Values];

    public FakeProcess this[int pid] => _processes[pid];

    public FakeProcess? TryGet(int pid) => _processes.TryGetValue(pid, out var p) ? p : null;

    /// <summary>A new running process with a fresh pid and start time.</summary>
    public FakeProcess Spawn(string name)
    {
        var p = new FakeProcess(Interlocked.Increment(ref _nextPid), (ulong)Interlocked.Increment(ref _nextStartTime), name);
        _processes[p.Pid] = p;
        return p;
    }

    /// <summary>Makes a real pid (the test host, as the creating process) known as running.</summary>
    public FakeProcess AddRunning(int pid, string name)
    {
        var p = new FakeProcess(pid, (ulong)Interlocked.Increment(ref _nextStartTime), name);
        _processes[pid] = p;
        return p;
    }

    public IProcessHandle? Attach(int pid, ulong? startTime = null, bool reap = false)
    {
        _attaches.Enqueue((pid, startTime, reap));
        if (AttachFault?.Invoke(pid) is { } fault)
        {
            throw fault;
        }
        if (!_processes.TryGetValue(pid, out var p) || p.HasExited)
        {
            return null;
        }
        if (startTime is { } expected && expected != p.StartTime)
        {
            return null;
        }
        return new FakeProcessHandle(p, reap);
    }

    public ulong? StartTime(int pid) =>
        _processes.TryGetValue(pid, out var p) && !p.HasExited ? p.StartTime : null;


}
