using System.Globalization;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// v2 OOM notification: inotify IN_MODIFY on the cgroup's memory.events, which the kernel
/// modifies (kernfs_notify) whenever one of its counters changes, after the change — so a check
/// after the event sees the new oom_kill count.
/// </summary>
internal sealed unsafe class InotifyOomNotifier : IOomNotifier
{
    /// <summary>The manager, to re-open the cgroup on each check.</summary>
    private readonly Fs2Manager _manager;

    /// <summary>oom_kill at the previous check.</summary>
    private ulong _lastCount;

    /// <summary>Takes ownership of <paramref name="dir"/> (closed once the watch is in place).</summary>
    public InotifyOomNotifier(Fs2Manager manager, CgroupDirectory dir)
    {
        _manager = manager;
        using (dir)
        {
            var fd = Libc.inotify_init1(Libc.IN_CLOEXEC | Libc.IN_NONBLOCK);
            if (fd < 0)
            {
                throw new RunaSystemException("inotify_init1", null, Errno.Last);
            }
            Fd = new SafeFd(fd);
            try
            {
                _lastCount = ReadCount(dir);
                // Through the directory descriptor, so the watch lands on the directory already
                // opened beneath the cgroup root whatever happens to the path meanwhile.
                var path = string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{dir.Handle.Fd}/memory.events");
                if (Libc.inotify_add_watch(fd, path, Libc.IN_MODIFY | Libc.IN_DONT_FOLLOW) < 0)
                {
                    throw new RunaSystemException("inotify_add_watch", dir.Join("memory.events"), Errno.Last);
                }
            }
            catch
            {
                Fd.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc/>
    public SafeFd Fd { get; }

    /// <inheritdoc/>
    public OomCheck Check()
    {
        var signalled = false;
        var removed = false;
        var buffer = stackalloc byte[4096];
        while (true)
        {
            var n = Libc.read(Fd.Fd, buffer, 4096);
            if (n < 0)
            {
                var errno = Errno.Last;
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno == Errno.EAGAIN)
                {
                    break;
                }
                throw new RunaSystemException("read", "inotify (memory.events)", errno);
            }
            for (nint offset = 0; offset + sizeof(Libc.inotify_event) <= n;)
            {
                var ev = (Libc.inotify_event*)(buffer + offset);
                signalled = true;
                removed |= (ev->mask & (Libc.IN_IGNORED | Libc.IN_DELETE_SELF)) != 0;
                offset += sizeof(Libc.inotify_event) + (nint)ev->len;
            }
        }
        using var dir = _manager.TryOpen();
        if (dir?.TryReadFile("memory.events") is not { } text)
        {
            return new OomCheck(signalled, _lastCount, 0, CgroupRemoved: true);
        }
        var count = CgroupParse.KeyValues(text, dir.Join("memory.events")).GetValueOrDefault("oom_kill");
        var rose = count > _lastCount ? count - _lastCount : 0;
        _lastCount = Math.Max(count, _lastCount);
        return new OomCheck(signalled, count, rose, removed);
    }

    public void Dispose() => Fd.Dispose();

    private static ulong ReadCount(CgroupDirectory dir) =>
        CgroupParse.KeyValues(dir.ReadFile("memory.events"), dir.Join("memory.events")).GetValueOrDefault("oom_kill");
}
