using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

/// <summary>Directory-relative file system calls (mkdirat, unlinkat, openat2, readdir) and statfs.</summary>
internal static unsafe partial class Libc
{
    internal const int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;

    // openat2(2) resolve flags (linux/openat2.h).
    internal const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
        RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;

    // openat2 has no glibc wrapper before 2.41 (Debian 12 ships 2.36); the number is the same
    // on every architecture since the syscall table unification in 5.x.
    internal const long SYS_openat2 = 437;

    // statfs(2) f_type values (linux/magic.h).
    internal const long TMPFS_MAGIC = 0x01021994, CGROUP_SUPER_MAGIC = 0x27e0eb, CGROUP2_SUPER_MAGIC = 0x63677270;

    internal const byte DT_DIR = 4;

    [StructLayout(LayoutKind.Sequential)]
    internal struct open_how
    {
        public ulong flags;
        public ulong mode;
        public ulong resolve;
    }

    /// <summary>struct statfs for 64-bit Linux (x86_64, arm64: __statfs_word is long).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct statfs_t
    {
        public long f_type;
        public long f_bsize;
        public ulong f_blocks;
        public ulong f_bfree;
        public ulong f_bavail;
        public ulong f_files;
        public ulong f_ffree;
        public ulong f_fsid;
        public long f_namelen;
        public long f_frsize;
        public long f_flags;
        public fixed long f_spare[4];
    }

    /// <summary>The fixed head of glibc's struct dirent (64-bit): d_name follows at offset 19.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct dirent
    {
        public ulong d_ino;
        public long d_off;
        public ushort d_reclen;
        public byte d_type;
        public fixed byte d_name[256];
    }

    /// <summary>syscall(SYS_openat2, dirfd, path, how, size). glibc's syscall(3) is variadic but
    /// only moves registers, so a fixed prototype is safe on x86_64 and arm64.</summary>
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial long syscall_openat2(long number, int dirfd, string path, open_how* how, nuint size);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statfs(string path, statfs_t* buf);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint fdopendir(int fd);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial dirent* readdir(nint dirp);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int closedir(nint dirp);
}
