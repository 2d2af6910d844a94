using Runa.Runtime.Interop;

namespace Runa.Runtime.Launch;

/// <summary>A process Runa watches: signal it, learn when it exits.</summary>
public interface IProcessHandle : IDisposable
{
    int Pid { get; }

    /// <summary>Sends a signal; false if the process is already gone.</summary>
    bool Signal(int signal);

    /// <summary>
    /// Calls <paramref name="onExit"/> once when the process exits (possibly at once), on a
    /// thread that must not block. The status is null when it cannot be known: the process is
    /// not our child, so someone else reaps it.
    /// </summary>
    void OnExit(Action<ExitStatus?> onExit);
}

/// <summary>Attaches to processes by pid (the kernel's process table, or a test double).</summary>
public interface IProcessTable
{
    /// <summary>
    /// A handle on <paramref name="pid"/>; null if no such process runs, or (with
    /// <paramref name="startTime"/>) if the pid now belongs to another process. Only the one
    /// owner of a child (<paramref name="reap"/>) collects it; every other handle only observes
    /// the exit, so that the owner still learns the exit status.
    /// </summary>
    IProcessHandle? Attach(int pid, ulong? startTime = null, bool reap = false);

    /// <summary>The start time of a running process (clock ticks since boot), null if it is not running.</summary>
    ulong? StartTime(int pid);
}
