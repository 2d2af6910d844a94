using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

/// <summary>Signals.</summary>
internal static unsafe partial class Libc
{
    internal const int SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int kill(int pid, int sig);
}
