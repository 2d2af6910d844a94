using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

internal static unsafe partial class Libc
{
    internal const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLONESHOT = 1u << 30;

    /// <summary>x86-64 packs epoll_event: a 4-byte mask then the 8-byte data, 12 bytes in all.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct epoll_event
    {
        public uint events;
        public ulong data;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, epoll_event* ev);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout);
}
