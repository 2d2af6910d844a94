using Runa.Runtime.Interop;
using Runa.Runtime.Launch;

namespace Runa.Host.Daemon;

/// <summary>The kernel's process table, telling the <see cref="ChildReaper"/> which children have an owner.</summary>
public sealed class TrackingProcessTable(IProcessTable inner, ChildReaper reaper) : IProcessTable
{
    public IProcessHandle? Attach(int pid, ulong? startTime = null, bool reap = false)
    {
        if (!reap)
        {
            return inner.Attach(pid, startTime, reap);
        }
        // Owned before the pidfd exists: a scan between the two would otherwise see no owner.
        var owned = reaper.Own(pid);
        var handle = inner.Attach(pid, startTime, reap);
        if (handle is null)
        {
            owned.Dispose();
            return null;
        }
        return new OwnedProcessHandle(handle, owned);
    }

    public ulong? StartTime(int pid) => inner.StartTime(pid);
}

/// <summary>A reaping handle whose ownership ends once it has reaped (its exit callbacks run after) or is disposed.</summary>
public sealed class OwnedProcessHandle(IProcessHandle inner, IDisposable owned) : IProcessHandle
{
    public int Pid => inner.Pid;

    public bool Signal(int signal) => inner.Signal(signal);

    public void OnExit(Action<ExitStatus?> onExit) => inner.OnExit(status =>
    {
        owned.Dispose();
        onExit(status);
    });

    public void Dispose()
    {
        inner.Dispose();
        owned.Dispose();
    }
}

/// <summary>Launches runa-init under a spawn fence and registers stage 0 as owned before the fence lifts.</summary>
public sealed class TrackingInitLauncher(IInitLauncher inner, ChildReaper reaper) : IInitLauncher
{
    public LaunchedInit Launch(SafeFd? execFifo, IReadOnlyList<SafeFd>? stdio)
    {
        using var fence = reaper.BeginSpawn();
        var launched = inner.Launch(execFifo, stdio);
        return launched with { Stage0 = new OwnedProcessHandle(launched.Stage0, reaper.Own(launched.Stage0.Pid)) };
    }
}
