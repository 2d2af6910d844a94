using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

internal static unsafe partial class Libc
{
    internal const nuint TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    internal const int TCSANOW = 0;

    /// <summary>glibc's struct termios is 60 bytes on x86-64; callers pass a larger buffer.</summary>
    internal const int TermiosSize = 64;

    [StructLayout(LayoutKind.Sequential)]
    internal struct winsize
    {
        public ushort ws_row;
        public ushort ws_col;
        public ushort ws_xpixel;
        public ushort ws_ypixel;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int tcgetattr(int fd, void* termios);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int tcsetattr(int fd, int optionalActions, void* termios);

    [LibraryImport(Name)]
    internal static partial void cfmakeraw(void* termios);
}
