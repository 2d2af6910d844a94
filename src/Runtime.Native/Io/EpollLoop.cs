using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Io;

/// <summary>
/// One thread per process that waits on every fd Runa watches (pidfds, sync sockets, OOM
/// eventfds) with epoll and runs a callback when one is readable. This is how a daemon holds
/// thousands of containers without a thread each. Callbacks run on the loop thread: they must
/// be short and non-blocking (typically a non-blocking read and an actor Tell).
/// Registrations are one-shot and re-armed after the callback unless disposed.
/// </summary>
public sealed unsafe class EpollLoop : IDisposable
{
    private static readonly Lazy<EpollLoop> s_shared = new(() => new EpollLoop("runa-epoll"));

    private readonly SafeFd _epoll;
    private readonly SafeFd _wake;
    private readonly ConcurrentDictionary<ulong, Registration> _registrations = new();
    private readonly Thread _thread;
    private long _nextId = 1;
    private volatile bool _stopping;

    public EpollLoop(string name)
    {
        _epoll = Sys.CheckFd(Libc.epoll_create1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        _wake = Sys.EventFd();
        var ev = new Libc.epoll_event { events = Libc.EPOLLIN, data = 0 };
        Sys.Check(Libc.epoll_ctl(_epoll.Fd, Libc.EPOLL_CTL_ADD, _wake.Fd, &ev), "epoll_ctl ADD", "eventfd");
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The process-wide loop.</summary>
    public static EpollLoop Shared => s_shared.Value;

    /// <summary>Number of fds being watched (for leak checks).</summary>
    public int Count => _registrations.Count;

    /// <summary>
    /// Calls <paramref name="onReady"/> on the loop thread each time <paramref name="fd"/> is
    /// readable (or hung up / in error). The fd stays referenced until the registration is disposed.
    /// </summary>
    public IDisposable Watch(SafeFd fd, Action onReady, bool priority = false)
    {
        var id = (ulong)Interlocked.Increment(ref _nextId);
        var reg = new Registration(this, id, fd, onReady, priority ? Libc.EPOLLPRI : Libc.EPOLLIN);
        _registrations[id] = reg;
        var ev = new Libc.epoll_event { events = reg.Events | Libc.EPOLLONESHOT, data = id };
        if (Libc.epoll_ctl(_epoll.Fd, Libc.EPOLL_CTL_ADD, reg.Fd, &ev) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _registrations.TryRemove(id, out _);
            reg.ReleaseFd();
            throw new RunaSystemException("epoll_ctl ADD", $"fd {reg.Fd}", errno);
        }
        return reg;
    }

    private void Run()
    {
        const int Max = 64;
        var events = stackalloc Libc.epoll_event[Max];
        while (!_stopping)
        {
            var n = Libc.epoll_wait(_epoll.Fd, events, Max, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Errno.EINTR)
                {
                    continue;
                }
                return;
            }
            for (var i = 0; i < n; i++)
            {
                var id = events[i].data;
                if (id == 0 || !_registrations.TryGetValue(id, out var reg))
                {
                    continue;
                }
                reg.Fire();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        ulong one = 1;
        Libc.write(_wake.Fd, (byte*)&one, sizeof(ulong));
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
        foreach (var reg in _registrations.Values)
        {
            reg.Dispose();
        }
        _wake.Dispose();
        _epoll.Dispose();
    }

    private sealed class Registration : IDisposable
    {
        private readonly EpollLoop _loop;
        private readonly ulong _id;
        private readonly SafeFd _handle;
        private readonly Action _onReady;
        private readonly Lock _gate = new();
        private bool _disposed;
        private bool _refAdded;

        public Registration(EpollLoop loop, ulong id, SafeFd handle, Action onReady, uint events)
        {
            _loop = loop;
            _id = id;
            _handle = handle;
            _onReady = onReady;
            Events = events;
            handle.DangerousAddRef(ref _refAdded);
            Fd = (int)handle.DangerousGetHandle();
        }

        public int Fd { get; }

        public uint Events { get; }

        public void Fire()
        {
            if (OwnerLetGo)
            {
                return; // readiness reported just before its owner let go of it
            }
            try
            {
                _onReady();
            }
            catch (ObjectDisposedException) when (OwnerLetGo)
            {
                // The owner closed its fd while it was ready (a container deleted under load): it
                // wants nothing more from it, and an engine reading our stderr must not see noise.
            }
            catch (Exception e)
            {
                // A failing callback must not take the loop (and every other container) down.
                Console.Error.WriteLine($"runa: fd watcher callback failed: {e.Message}");
            }
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }
                var ev = new Libc.epoll_event { events = Events | Libc.EPOLLONESHOT, data = _id };
                Libc.epoll_ctl(_loop._epoll.Fd, Libc.EPOLL_CTL_MOD, Fd, &ev);
            }
        }

        /// <summary>
        /// True once the owner disposed this registration. (Its fd cannot be closed before that:
        /// the registration holds a reference on it.)
        /// </summary>
        private bool OwnerLetGo
        {
            get
            {
                lock (_gate)
                {
                    return _disposed;
                }
            }
        }

        public void ReleaseFd()
        {
            if (_refAdded)
            {
                _refAdded = false;
                _handle.DangerousRelease();
            }
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
                _loop._registrations.TryRemove(_id, out _);
                Libc.epoll_ctl(_loop._epoll.Fd, Libc.EPOLL_CTL_DEL, Fd, null);
                ReleaseFd();
            }
        }
    }
}
