using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// Notification of OOM events in a container's cgroup without a thread per container: the owner
/// polls <see cref="Fd"/> for POLLIN together with everything else it watches (one epoll/poll
/// loop for all containers) and calls <see cref="Check"/> when it is readable.
/// v1: an eventfd registered through cgroup.event_control for memory.oom_control (the kernel
/// signals it when the cgroup hits its limit and when the cgroup is removed). v2: inotify on
/// memory.events (the kernel modifies it when a counter changes).
/// </summary>
/// <remarks>
/// On v1 the event is signalled when the cgroup enters OOM, which precedes the kill itself: a
/// check right after the event may not see the kill yet (NewKills 0, Signalled true). Check
/// again when the container's init exits, as runc does, to attribute the exit to the OOM killer.
/// </remarks>
public interface IOomNotifier : IDisposable
{
    /// <summary>The descriptor to poll for POLLIN (non-blocking, close-on-exec).</summary>
    SafeFd Fd { get; }

    /// <summary>Consumes pending events (never blocks) and compares the oom_kill counter with the previous check.</summary>
    OomCheck Check();
}
