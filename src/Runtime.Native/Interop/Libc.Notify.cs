using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

/// <summary>Event notification descriptors: eventfd(2) and inotify(7).</summary>
internal static unsafe partial class Libc
{
    internal const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;
    internal const int IN_NONBLOCK = 0x800, IN_CLOEXEC = 0x80000;
    internal const uint IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_DELETE_SELF = 0x400, IN_IGNORED = 0x8000,
        IN_Q_OVERFLOW = 0x4000, IN_DONT_FOLLOW = 0x02000000;

    /// <summary>The fixed head of struct inotify_event; a name of <c>len</c> bytes follows.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct inotify_event
    {
        public int wd;
        public uint mask;
        public uint cookie;
        public uint len;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int inotify_init1(int flags);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int inotify_add_watch(int fd, string pathname, uint mask);
}
