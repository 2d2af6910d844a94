namespace Runa.Runtime.Interop;

/// <summary>
/// A system call failed. The message names the operation, the path it concerned, the errno
/// text and symbol, e.g. "open /sys/fs/cgroup/x/memory.max: No such file or directory (ENOENT)".
/// </summary>
public sealed class RunaSystemException : IOException
{
    public RunaSystemException(string operation, string? path, int errno, string? hint = null)
        : base(Format(operation, path, errno, hint))
    {
        Operation = operation;
        PathName = path;
        Errno = errno;
        Hint = hint;
        HResult = errno;
    }

    /// <summary>The syscall or operation that failed ("mount", "write").</summary>
    public string Operation { get; }

    /// <summary>The path the failed operation concerned, if any.</summary>
    public string? PathName { get; }

    /// <summary>The raw errno.</summary>
    public int Errno { get; }

    /// <summary>A diagnosis for a known cause, appended to the message.</summary>
    public string? Hint { get; }

    private static string Format(string operation, string? path, int errno, string? hint)
    {
        var where = string.IsNullOrEmpty(path) ? operation : $"{operation} {path}";
        var text = $"{where}: {Interop.Errno.Describe(errno)} ({Interop.Errno.Name(errno)})";
        return hint is null ? text : $"{text}: {hint}";
    }
}
