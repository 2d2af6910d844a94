using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Cgroups;

/// <summary>
/// A short-lived handle on one cgroup directory (an O_PATH descriptor). Every file and child is
/// opened relative to it, one path component at a time, with openat2 RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV (falling back to openat with
/// O_NOFOLLOW on kernels without openat2), so a configuration can never make Runa write outside
/// the cgroup hierarchy, whatever symlinks exist along the way.
/// </summary>
/// <remarks>
/// Managers open these per operation and close them at once: holding a descriptor per
/// hierarchy per container would cost ~10 fds a container in a daemon that holds thousands.
/// </remarks>
internal sealed unsafe class CgroupDirectory : IDisposable
{
    /// <summary>Set once openat2 returned ENOSYS; from then on openat + O_NOFOLLOW is used.</summary>
    private static volatile bool s_noOpenat2;

    /// <summary>The O_PATH descriptor of this directory.</summary>
    private readonly SafeFd _fd;

    private CgroupDirectory(SafeFd fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>Absolute path of the directory, for messages only (never used to open anything below it).</summary>
    public string Path { get; }

    /// <summary>The O_PATH descriptor (for /proc/self/fd/N paths).</summary>
    public SafeFd Handle => _fd;

    /// <summary>Opens a hierarchy's mount point (or any trusted absolute directory).</summary>
    public static CgroupDirectory OpenMount(string mountPoint)
    {
        int fd;
        int errno;
        do
        {
            fd = Libc.open(mountPoint, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            errno = fd < 0 ? Errno.Last : 0;
        }
        while (fd < 0 && errno == Errno.EINTR);
        if (fd < 0)
        {
            throw new RunaSystemException("open", mountPoint, errno,
                errno == Errno.ENOENT ? "the cgroup hierarchy is not mounted there" : null);
        }
        return new CgroupDirectory(new SafeFd(fd), mountPoint);
    }

    /// <summary>
    /// Opens <paramref name="relativePath"/> (components separated by '/') beneath a mount point.
    /// Returns null if a component does not exist and <paramref name="tolerateMissing"/> is set.
    /// </summary>
    public static CgroupDirectory? Open(string mountPoint, string relativePath, bool tolerateMissing)
    {
        var current = OpenMount(mountPoint);
        foreach (var component in relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var child = current.OpenChild(component, tolerateMissing);
            current.Dispose();
            if (child is null)
            {
                return null;
            }
            current = child;
        }
        return current;
    }

    /// <summary>Opens a child directory. Null if it does not exist (or the cgroup vanished) and tolerated.</summary>
    public CgroupDirectory? OpenChild(string name, bool tolerateMissing)
    {
        var (fd, errno) = OpenBeneath(name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW);
        var path = Join(name);
        if (fd >= 0)
        {
            return new CgroupDirectory(new SafeFd(fd), path);
        }
        if (tolerateMissing && (errno == Errno.ENOENT || errno == Errno.ENODEV))
        {
            return null;
        }
        if (errno is Errno.ELOOP or Errno.ENOTDIR or Errno.EXDEV)
        {
            throw new InvalidCgroupConfigException(CgroupPathResolver.Field,
                $"{path} is a symbolic link, a mount point or not a directory; a cgroup path must resolve beneath the cgroup root");
        }
        throw new RunaSystemException("open", path, errno);
    }

    /// <summary>mkdir of a child cgroup. True if created, false if it already existed.</summary>
    public bool CreateChild(string name)
    {
        CheckComponent(name);
        var added = false;
        _fd.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                if (Libc.mkdirat(_fd.Fd, name, 0x1ed /* 0755 */) == 0)
                {
                    return true;
                }
                var errno = Errno.Last;
                switch (errno)
                {
                    case Errno.EINTR:
                        continue;
                    case Errno.EEXIST:
                        return false;
                    default:
                        throw new RunaSystemException("mkdir", Join(name), errno, MkdirHint(errno));
                }
            }
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>rmdir of a child cgroup; returns 0 or the errno (callers decide what is fatal).</summary>
    public int RemoveChild(string name)
    {
        CheckComponent(name);
        var added = false;
        _fd.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                if (Libc.unlinkat(_fd.Fd, name, Libc.AT_REMOVEDIR) == 0)
                {
                    return 0;
                }
                var errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    return errno;
                }
            }
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// True if a file (or child) of that name exists. A symlink counts as existing (ELOOP): it is
    /// not followed, and the open that comes next fails naming it, rather than the file being
    /// reported as missing.
    /// </summary>
    public bool Exists(string name)
    {
        var (fd, errno) = OpenBeneath(name, Libc.O_PATH);
        if (fd < 0)
        {
            return errno == Errno.ELOOP;
        }
        Libc.close(fd);
        return true;
    }

    /// <summary>Reads a whole control file; throws if it cannot.</summary>
    public string ReadFile(string name)
    {
        var text = ReadFileCore(name, out var errno);
        if (text is null)
        {
            throw new RunaSystemException("read", Join(name), errno,
                errno == Errno.ENOENT ? CgroupErrors.MissingFileHint(name) : null);
        }
        return text;
    }

    /// <summary>Reads a whole control file; null if it does not exist (or the cgroup is gone).</summary>
    public string? TryReadFile(string name)
    {
        var text = ReadFileCore(name, out var errno);
        if (text is null && errno != Errno.ENOENT && errno != Errno.ENODEV)
        {
            throw new RunaSystemException("read", Join(name), errno);
        }
        return text;
    }

    /// <summary>
    /// Writes one value with a single write(2), as the kernel requires. A failure names the file
    /// and the value ("write /sys/.../memory.limit_in_bytes ("1048576"): ... (EBUSY): hint").
    /// </summary>
    public void WriteFile(string name, string value, Func<int, string?>? hint = null)
    {
        WriteLines(name, [value], hint, appendNewline: false);
    }

    /// <summary>
    /// Writes several entries to one file (devices.allow, io.max, throttle files), one write(2)
    /// each, as the kernel parses one entry per write. Each ends in '\n' (the kernel ignores it;
    /// it keeps a file-backed test tree readable).
    /// </summary>
    public void WriteLines(string name, IEnumerable<string> lines, Func<int, string?>? hint = null, bool appendNewline = true)
    {
        var (fd, errno) = OpenBeneath(name, Libc.O_WRONLY | Libc.O_TRUNC);
        if (fd < 0)
        {
            var first = lines.FirstOrDefault() ?? "";
            throw WriteError(name, first, errno, hint);
        }
        using var handle = new SafeFd(fd);
        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetBytes(appendNewline ? line + "\n" : line);
            nint written;
            do
            {
                fixed (byte* p = bytes)
                {
                    written = Libc.write(fd, p, bytes.Length);
                }
                errno = written < 0 ? Errno.Last : 0;
            }
            while (written < 0 && errno == Errno.EINTR);
            if (written < 0)
            {
                throw WriteError(name, line, errno, hint);
            }
            if (written != bytes.Length)
            {
                throw WriteError(name, line, Errno.EIO, _ => $"short write ({written} of {bytes.Length} bytes)");
            }
        }
    }

    /// <summary>Opens a control file (O_CLOEXEC added) and returns the descriptor, or throws.</summary>
    public SafeFd OpenFile(string name, int flags)
    {
        var (fd, errno) = OpenBeneath(name, flags);
        if (fd < 0)
        {
            throw new RunaSystemException("open", Join(name), errno,
                errno == Errno.ENOENT ? CgroupErrors.MissingFileHint(name) : null);
        }
        return new SafeFd(fd);
    }

    /// <summary>Names of the child directories (sub-cgroups).</summary>
    public List<string> ListChildDirectories()
    {
        var names = new List<string>();
        var (fd, errno) = OpenBeneath(".", Libc.O_RDONLY | Libc.O_DIRECTORY);
        if (fd < 0)
        {
            if (errno is Errno.ENOENT or Errno.ENODEV)
            {
                return names;
            }
            throw new RunaSystemException("open", Path, errno);
        }
        var dir = Libc.fdopendir(fd);
        if (dir == 0)
        {
            errno = Errno.Last;
            Libc.close(fd);
            throw new RunaSystemException("fdopendir", Path, errno);
        }
        try
        {
            while (true)
            {
                var entry = Libc.readdir(dir);
                if (entry is null)
                {
                    break;
                }
                var name = Marshal.PtrToStringUTF8((nint)entry->d_name);
                if (name is null or "." or "..")
                {
                    continue;
                }
                // d_type is DT_UNKNOWN on file systems that do not fill it: ask the inode.
                if (entry->d_type == Libc.DT_DIR || (entry->d_type == 0 && IsDirectory(name)))
                {
                    names.Add(name);
                }
            }
        }
        finally
        {
            Libc.closedir(dir);
        }
        return names;
    }

    /// <summary>Absolute path of a child, for messages.</summary>
    public string Join(string name) => name == "." ? Path : Path.EndsWith('/') ? Path + name : Path + "/" + name;

    public void Dispose() => _fd.Dispose();

    private bool IsDirectory(string name)
    {
        var (fd, _) = OpenBeneath(name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW);
        if (fd < 0)
        {
            return false;
        }
        Libc.close(fd);
        return true;
    }

    private RunaSystemException WriteError(string name, string value, int errno, Func<int, string?>? hint)
    {
        var text = hint?.Invoke(errno) ?? (errno == Errno.ENOENT ? CgroupErrors.MissingFileHint(name) : null);
        return new RunaSystemException("write", $"{Join(name)} ({CgroupErrors.Quote(value)})", errno, text);
    }

    private static string? MkdirHint(int errno) => errno switch
    {
        Errno.EROFS => "the cgroup file system is mounted read-only",
        Errno.EACCES or Errno.EPERM => "no permission to create cgroups here (rootless, or a delegated subtree?)",
        Errno.ENOSPC or Errno.EAGAIN => "the hierarchy's cgroup.max.descendants or cgroup.max.depth limit was reached",
        Errno.ENOENT => "the parent cgroup was removed concurrently",
        _ => null,
    };

    /// <summary>Opens one path component beneath this directory; returns (fd, 0) or (-1, errno).</summary>
    private (int Fd, int Errno) OpenBeneath(string name, int flags)
    {
        CheckComponent(name);
        var added = false;
        _fd.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                int fd;
                int errno;
                if (!s_noOpenat2)
                {
                    var how = new Libc.open_how
                    {
                        flags = (ulong)(uint)(flags | Libc.O_CLOEXEC),
                        resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS | Libc.RESOLVE_NO_XDEV,
                    };
                    fd = (int)Libc.syscall_openat2(Libc.SYS_openat2, _fd.Fd, name, &how, (nuint)sizeof(Libc.open_how));
                    errno = fd < 0 ? Errno.Last : 0;
                    if (fd < 0 && errno == Errno.ENOSYS)
                    {
                        s_noOpenat2 = true;
                        continue;
                    }
                }
                else
                {
                    // Single components only (CheckComponent), so O_NOFOLLOW on the last (only)
                    // component is the whole of RESOLVE_NO_SYMLINKS here.
                    fd = Libc.openat(_fd.Fd, name, flags | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
                    errno = fd < 0 ? Errno.Last : 0;
                }
                if (fd < 0 && errno == Errno.EINTR)
                {
                    continue;
                }
                return (fd, errno);
            }
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    private static void CheckComponent(string name)
    {
        // Callers pass validated single components (CgroupPathResolver, controller file names,
        // validated unified keys); a slash or ".." here is a bug in Runa, not in the config.
        Debug.Assert(name.Length > 0 && !name.Contains('/') && name != "..", $"not a single path component: {name}");
        if (name.Length == 0 || name.Contains('/') || name == ".." || name.Contains('\0'))
        {
            throw new InvalidOperationException($"internal error: '{name}' is not a single path component");
        }
    }

    private string? ReadFileCore(string name, out int errno)
    {
        var (fd, openErrno) = OpenBeneath(name, Libc.O_RDONLY);
        if (fd < 0)
        {
            errno = openErrno;
            return null;
        }
        using var handle = new SafeFd(fd);
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            nint n;
            fixed (byte* p = &buffer[length])
            {
                n = Libc.read(fd, p, buffer.Length - length);
            }
            if (n < 0)
            {
                var e = Errno.Last;
                if (e == Errno.EINTR)
                {
                    continue;
                }
                errno = e;
                return null;
            }
            if (n == 0)
            {
                break;
            }
            length += (int)n;
        }
        errno = 0;
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
