using System.Globalization;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// v1 OOM notification: an eventfd registered with the memory controller by writing
/// "&lt;eventfd&gt; &lt;fd of memory.oom_control&gt;" to cgroup.event_control
/// (Documentation/admin-guide/cgroup-v1/memory.rst, "OOM Control"). The kernel signals it when the
/// cgroup enters OOM and when the cgroup is removed.
/// </summary>
internal sealed unsafe class EventFdOomNotifier : IOomNotifier
{
    /// <summary>The manager, to re-open the memory cgroup on each check.</summary>
    private readonly Fs1Manager _manager;

    /// <summary>oom_kill at the previous check.</summary>
    private ulong _lastCount;

    public EventFdOomNotifier(Fs1Manager manager)
    {
        _manager = manager;
        using var dir = manager.TryOpenMemory()
            ?? throw new RunaSystemException("open", manager.Paths.GetValueOrDefault("memory"), Errno.ENOENT, "the container's memory cgroup does not exist");
        var efd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (efd < 0)
        {
            throw new RunaSystemException("eventfd", null, Errno.Last);
        }
        Fd = new SafeFd(efd);
        try
        {
            using var oomControl = dir.OpenFile("memory.oom_control", Libc.O_RDONLY);
            // The kernel keeps a reference to the eventfd, not to memory.oom_control: the
            // control file may be closed once registered.
            dir.WriteFile("cgroup.event_control", string.Create(CultureInfo.InvariantCulture, $"{efd} {oomControl.Fd}"));
            _lastCount = ReadCount(dir);
        }
        catch
        {
            Fd.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public SafeFd Fd { get; }

    /// <inheritdoc/>
    public OomCheck Check()
    {
        ulong value = 0;
        var n = Libc.read(Fd.Fd, (byte*)&value, sizeof(ulong));
        var signalled = n == sizeof(ulong) && value > 0;
        if (n < 0 && Errno.Last is var errno && errno != Errno.EAGAIN && errno != Errno.EINTR)
        {
            throw new RunaSystemException("read", "eventfd (memory.oom_control)", errno);
        }
        using var dir = _manager.TryOpenMemory();
        if (dir?.TryReadFile("memory.oom_control") is not { } text)
        {
            return new OomCheck(signalled, _lastCount, 0, CgroupRemoved: true);
        }
        var count = CgroupParse.KeyValues(text, dir.Join("memory.oom_control")).GetValueOrDefault("oom_kill");
        var rose = count > _lastCount ? count - _lastCount : 0;
        _lastCount = Math.Max(count, _lastCount);
        return new OomCheck(signalled, count, rose, CgroupRemoved: false);
    }

    public void Dispose() => Fd.Dispose();

    private static ulong ReadCount(CgroupDirectory dir) =>
        CgroupParse.KeyValues(dir.ReadFile("memory.oom_control"), dir.Join("memory.oom_control")).GetValueOrDefault("oom_kill");
}
