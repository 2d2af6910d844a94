using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

/// <summary>errno values Runa branches on, plus the symbolic name of any errno for messages.</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
        ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14,
        EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
        ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29,
        EROFS = 30, EMLINK = 31, EPIPE = 32, ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36,
        ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, EOVERFLOW = 75, ENOTSOCK = 88,
        EMSGSIZE = 90, EPROTOTYPE = 91, EOPNOTSUPP = 95, EADDRINUSE = 98, ECONNRESET = 104,
        ENOBUFS = 105, ETIMEDOUT = 110, ECONNREFUSED = 111, EALREADY = 114;

    private static readonly Dictionary<int, string> s_names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
        [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF",
        [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
        [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EXDEV] = "EXDEV",
        [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL",
        [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY", [ETXTBSY] = "ETXTBSY",
        [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [EROFS] = "EROFS",
        [EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK",
        [ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY",
        [ELOOP] = "ELOOP", [ENODATA] = "ENODATA", [EOVERFLOW] = "EOVERFLOW", [ENOTSOCK] = "ENOTSOCK",
        [EMSGSIZE] = "EMSGSIZE", [EPROTOTYPE] = "EPROTOTYPE", [EOPNOTSUPP] = "EOPNOTSUPP",
        [EADDRINUSE] = "EADDRINUSE", [ECONNRESET] = "ECONNRESET", [ENOBUFS] = "ENOBUFS",
        [ETIMEDOUT] = "ETIMEDOUT", [ECONNREFUSED] = "ECONNREFUSED", [EALREADY] = "EALREADY",
    };

    /// <summary>The symbolic name ("ENOENT"), or "errno N" for one Runa has no name for.</summary>
    public static string Name(int errno) => s_names.TryGetValue(errno, out var n) ? n : $"errno {errno}";

    /// <summary>strerror(3) text, e.g. "No such file or directory".</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>The errno of the last P/Invoke marked SetLastError; read it right after the call.</summary>
    public static int Last => Marshal.GetLastPInvokeError();
}
