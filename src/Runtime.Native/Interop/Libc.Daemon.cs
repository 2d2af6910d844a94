using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

/// <summary>Imports the host service needs: a listening unix socket, file ownership, the user database, reaping by pid.</summary>
internal static unsafe partial class Libc
{
    internal const int SOCK_NONBLOCK = 0x800, SO_SNDBUFFORCE = 32, ECONNABORTED = 103, P_ALL = 0;

    [StructLayout(LayoutKind.Sequential)]
    internal struct passwd
    {
        public byte* pw_name;
        public byte* pw_passwd;
        public uint pw_uid;
        public uint pw_gid;
        public byte* pw_gecos;
        public byte* pw_dir;
        public byte* pw_shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct group
    {
        public byte* gr_name;
        public byte* gr_passwd;
        public uint gr_gid;
        public byte** gr_mem;
    }

    internal const uint STATX_TYPE = 1;
    internal const int S_IFMT = 0xF000, S_IFSOCK = 0xC000;

    /// <summary>struct statx is 256 bytes on every architecture; stx_mode (u16) is at offset 28.</summary>
    internal const int StatxSize = 256, StatxModeOffset = 28;

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statx(int dirfd, string path, int flags, uint mask, byte* buf);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int bind(int fd, sockaddr_un* addr, uint len);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int listen(int fd, int backlog);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int accept4(int fd, void* addr, uint* len, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int fchmod(int fd, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chmod(string path, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int lchown(string path, uint owner, uint group);

    // The *_r lookups return the error number (0 = done, result NULL = no such entry); they do not set errno.
    [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int getgrnam_r(string name, group* grp, byte* buf, nuint buflen, group** result);

    [LibraryImport(Name)]
    internal static partial int getpwuid_r(uint uid, passwd* pwd, byte* buf, nuint buflen, passwd** result);

    [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int getgrouplist(string user, uint group, uint* groups, int* ngroups);
}
