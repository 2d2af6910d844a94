using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

internal static unsafe partial class Libc
{
    internal const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80,
        O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800,
        O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    internal const int AT_FDCWD = -100;
    internal const int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, FD_CLOEXEC = 1;
    internal const int F_ADD_SEALS = 1033, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint read(int fd, byte* buf, nint count);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint write(int fd, byte* buf, nint count);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int pipe2(int* fds, int flags);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkfifo(string path, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int memfd_create(string name, uint flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int dup3(int oldfd, int newfd, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int isatty(int fd);

    [StructLayout(LayoutKind.Sequential)]
    internal struct pollfd
    {
        public int fd;
        public short events;
        public short revents;
    }

    internal const short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20, POLLPRI = 0x2;

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int poll(pollfd* fds, nuint nfds, int timeout);
}
