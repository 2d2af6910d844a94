using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

internal static unsafe partial class Libc
{
    internal const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1, SO_PEERCRED = 17, SO_SNDBUF = 7, SO_RCVBUF = 8, SCM_RIGHTS = 1;
    internal const int MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
    internal const int SHUT_WR = 1, SHUT_RDWR = 2;

    [StructLayout(LayoutKind.Sequential)]
    internal struct iovec
    {
        public void* iov_base;
        public nuint iov_len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct msghdr
    {
        public void* msg_name;
        public uint msg_namelen;
        public iovec* msg_iov;
        public nuint msg_iovlen;
        public void* msg_control;
        public nuint msg_controllen;
        public int msg_flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct cmsghdr
    {
        public nuint cmsg_len;
        public int cmsg_level;
        public int cmsg_type;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct ucred
    {
        public int pid;
        public uint uid;
        public uint gid;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint sendmsg(int fd, msghdr* msg, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint recvmsg(int fd, msghdr* msg, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int name, void* value, uint len);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getsockopt(int fd, int level, int name, void* value, uint* len);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int shutdown(int fd, int how);

    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_un
    {
        public ushort sun_family;
        public fixed byte sun_path[108];
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int connect(int fd, sockaddr_un* addr, uint len);
}
