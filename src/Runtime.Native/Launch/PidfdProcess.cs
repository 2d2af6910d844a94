using Runa.Runtime.Interop;
using Runa.Runtime.Io;

namespace Runa.Runtime.Launch;

/// <summary>
/// A process held through a pidfd: signals cannot hit a recycled pid, and the exit is seen on
/// the shared epoll loop (a pidfd turns readable when its process exits), not on a thread.
/// </summary>
public sealed class PidfdProcess : IProcessHandle
{
    private readonly SafeFd _pidfd;
    private readonly bool _reap;
    private readonly Lock _gate = new();
    private IDisposable? _watch;
    private bool _exited;
    private ExitStatus? _status;
    private Action<ExitStatus?>? _onExit;

    /// <param name="reap">This handle owns the child and collects it (else it only observes the exit).</param>
    public PidfdProcess(int pid, SafeFd pidfd, bool reap)
    {
        Pid = pid;
        _pidfd = pidfd;
        _reap = reap;
    }

    public int Pid { get; }

    public bool Signal(int signal)
    {
        lock (_gate)
        {
            return !_pidfd.IsClosed && Sys.PidfdSendSignal(_pidfd, signal);
        }
    }

    public void OnExit(Action<ExitStatus?> onExit)
    {
        lock (_gate)
        {
            if (_exited)
            {
                onExit(_status);
                return;
            }
            _onExit += onExit;
            _watch ??= EpollLoop.Shared.Watch(_pidfd, Exited);
        }
    }

    private void Exited()
    {
        Action<ExitStatus?>? callbacks;
        lock (_gate)
        {
            if (_exited)
            {
                return;
            }
            try
            {
                // Reap (or peek at) it if it is our child; a process someone else parents yields ECHILD.
                _status = Sys.WaitPidfd(_pidfd, block: false, peek: !_reap);
                if (_status is null)
                {
                    return; // spurious wake-up: still running, the loop re-arms
                }
            }
            catch (RunaSystemException e) when (e.Errno == Errno.ECHILD)
            {
                _status = null;
            }
            _exited = true;
            callbacks = _onExit;
            _onExit = null;
            _watch?.Dispose();
            _watch = null;
        }
        callbacks?.Invoke(_status);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _watch?.Dispose();
            _watch = null;
            _pidfd.Dispose();
        }
    }
}

/// <summary>The real process table: pidfd_open plus the /proc start-time check.</summary>
public sealed class KernelProcessTable : IProcessTable
{
    public static KernelProcessTable Instance { get; } = new();

    public IProcessHandle? Attach(int pid, ulong? startTime = null, bool reap = false)
    {
        if (pid <= 0)
        {
            return null;
        }
        SafeFd pidfd;
        try
        {
            pidfd = Sys.PidfdOpen(pid);
        }
        catch (RunaSystemException e) when (e.Errno == Errno.ESRCH)
        {
            return null;
        }
        // The pidfd pins the process; if the start time still matches now, it is the same one.
        if (startTime is { } expected && Sys.ProcessStat(pid)?.StartTime != expected)
        {
            pidfd.Dispose();
            return null;
        }
        return new PidfdProcess(pid, pidfd, reap);
    }

    public ulong? StartTime(int pid) => Sys.ProcessStat(pid) is { } s && s.State != 'Z' && s.State != 'X' ? s.StartTime : null;
}
