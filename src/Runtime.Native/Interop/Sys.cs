using System.Runtime.InteropServices;
using System.Text;

namespace Runa.Runtime.Interop;

/// <summary>
/// The C#-shaped layer over <see cref="Libc"/>: every call checks its result, retries EINTR,
/// and turns errno into a <see cref="RunaSystemException"/> naming the call and the path.
/// </summary>
public static unsafe partial class Sys
{
    internal static int Check(int rc, string operation, string? path = null)
    {
        if (rc < 0)
        {
            throw new RunaSystemException(operation, path, Marshal.GetLastPInvokeError());
        }
        return rc;
    }

    internal static SafeFd CheckFd(int fd, string operation, string? path = null) =>
        new(Check(fd, operation, path));

    public static SafeFd Open(string path, int flags, uint mode = 0)
    {
        int fd;
        do
        {
            fd = Libc.open(path, flags | Libc.O_CLOEXEC, mode);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        return CheckFd(fd, "open", path);
    }

    public static (SafeFd Read, SafeFd Write) Pipe(bool nonBlocking = false)
    {
        int* fds = stackalloc int[2];
        Check(Libc.pipe2(fds, Libc.O_CLOEXEC | (nonBlocking ? Libc.O_NONBLOCK : 0)), "pipe2");
        return (new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    public static void MakeFifo(string path, uint mode) => Check(Libc.mkfifo(path, mode), "mkfifo", path);

    public static void SetNonBlocking(SafeFd fd, bool on)
    {
        var flags = Check(Libc.fcntl(fd.Fd, Libc.F_GETFL, 0), "fcntl F_GETFL");
        flags = on ? flags | Libc.O_NONBLOCK : flags & ~Libc.O_NONBLOCK;
        Check(Libc.fcntl(fd.Fd, Libc.F_SETFL, flags), "fcntl F_SETFL");
    }

    /// <summary>read(2); returns 0 at EOF, -1 when a non-blocking fd has nothing (EAGAIN).</summary>
    public static int Read(SafeFd fd, Span<byte> buffer, string? what = null)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.read(fd.Fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno == Errno.EAGAIN)
                {
                    return -1;
                }
                throw new RunaSystemException("read", what, errno);
            }
        }
    }

    public static void WriteAll(SafeFd fd, ReadOnlySpan<byte> data, string? what = null)
    {
        fixed (byte* p = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = Libc.write(fd.Fd, p + off, data.Length - off);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    throw new RunaSystemException("write", what, errno);
                }
                off += (int)n;
            }
        }
    }

    /// <summary>Waits until fd is readable (or hung up); false on timeout.</summary>
    public static bool PollReadable(SafeFd fd, int timeoutMs)
    {
        var pfd = new Libc.pollfd { fd = fd.Fd, events = Libc.POLLIN };
        var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var left = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            var rc = Libc.poll(&pfd, 1, left);
            if (rc > 0)
            {
                return true;
            }
            if (rc == 0)
            {
                return false;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new RunaSystemException("poll", null, errno);
            }
        }
    }

    /// <summary>
    /// A sealed, executable in-memory copy of a file. Executing it means a container that
    /// reaches /proc/&lt;pid&gt;/exe finds an immutable memfd, not the host binary (CVE-2019-5736).
    /// </summary>
    public static SafeFd SealedMemfdCopy(string path, string name)
    {
        const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
        var bytes = File.ReadAllBytes(path);
        var fd = CheckFd(Libc.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), "memfd_create", name);
        try
        {
            WriteAll(fd, bytes, $"memfd {name}");
            Check(Libc.fcntl(fd.Fd, Libc.F_ADD_SEALS,
                Libc.F_SEAL_SEAL | Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_WRITE), "fcntl F_ADD_SEALS", name);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public static SafeFd EventFd() =>
        CheckFd(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd");

    public static int GetPid() => Libc.getpid();

    public static bool IsRoot => Libc.geteuid() == 0;

    public static void SetChildSubreaper() =>
        Check(Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl PR_SET_CHILD_SUBREAPER");

    internal static byte* Utf8Z(string s, List<nint> allocations)
    {
        var len = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)len + 1);
        allocations.Add((nint)p);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, len));
        p[len] = 0;
        return p;
    }
}
