using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

internal static unsafe partial class Libc
{
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const int P_PID = 1, P_PIDFD = 3;
    internal const int WEXITED = 4, WNOHANG = 1, WNOWAIT = 0x01000000;
    internal const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
    internal const long SYS_pidfd_send_signal = 424, SYS_pidfd_open = 434;

    /// <summary>glibc's posix_spawnattr_t is 336 bytes and file actions 80; these buffers are larger.</summary>
    internal const int SpawnAttrSize = 512, SpawnFileActionsSize = 256, SigsetSize = 128, SiginfoSize = 128;

    [LibraryImport(Name, SetLastError = false, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int posix_spawn(int* pid, string path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Name)]
    internal static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(Name)]
    internal static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(Name)]
    internal static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(Name)]
    internal static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport(Name)]
    internal static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport(Name)]
    internal static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport(Name)]
    internal static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport(Name)]
    internal static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int sigemptyset(void* set);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int sigfillset(void* set);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial long syscall(long number, long a1, long a2, long a3, long a4);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int waitid(int idtype, int id, void* infop, int options);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getpid();

    [LibraryImport(Name, SetLastError = true)]
    internal static partial uint geteuid();

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    internal const int PR_SET_CHILD_SUBREAPER = 36;
}
