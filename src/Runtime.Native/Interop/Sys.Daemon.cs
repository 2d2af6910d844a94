using System.Runtime.InteropServices;
using System.Text;

namespace Runa.Runtime.Interop;

/// <summary>
/// What `runa daemon` and its client need from the kernel: a SOCK_SEQPACKET unix socket
/// (listen, accept, connect, non-blocking messages with SCM_RIGHTS), socket file ownership,
/// user and group lookups for peer checks, and reaping children by pid.
/// </summary>
public static unsafe partial class Sys
{
    /// <summary>
    /// A listening SOCK_SEQPACKET socket bound at <paramref name="path"/>, non-blocking and
    /// O_CLOEXEC. The socket's mode is set before bind (Linux gives the new file the socket
    /// inode's mode, less the umask), so the file is never more open than <paramref name="mode"/>.
    /// </summary>
    public static SafeFd ListenSeqPacket(string path, uint mode, int backlog = 128)
    {
        var addr = UnixAddress(path, "bind", out var len);
        var fd = CheckFd(Libc.socket(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK, 0), "socket", path);
        try
        {
            Check(Libc.fchmod(fd.Fd, mode), "fchmod", path);
            Check(Libc.bind(fd.Fd, &addr, len), "bind", path);
            Check(Libc.listen(fd.Fd, backlog), "listen", path);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Connects a SOCK_SEQPACKET unix socket (blocking, O_CLOEXEC) to <paramref name="path"/>.</summary>
    public static SafeFd ConnectSeqPacket(string path)
    {
        var addr = UnixAddress(path, "connect", out var len);
        var fd = CheckFd(Libc.socket(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0), "socket", path);
        while (true)
        {
            if (Libc.connect(fd.Fd, &addr, len) == 0)
            {
                return fd;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                fd.Dispose();
                throw new RunaSystemException("connect", path, errno);
            }
        }
    }

    /// <summary>Accepts one connection (non-blocking, O_CLOEXEC); null when none is pending.</summary>
    public static SafeFd? Accept(SafeFd listener)
    {
        while (true)
        {
            var fd = Libc.accept4(listener.Fd, null, null, Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK);
            if (fd >= 0)
            {
                return new SafeFd(fd);
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR || errno == Libc.ECONNABORTED)
            {
                continue;
            }
            if (errno == Errno.EAGAIN)
            {
                return null;
            }
            throw new RunaSystemException("accept4", "listening socket", errno);
        }
    }

    /// <summary>Waits until a socket can take more data (or failed); false on timeout.</summary>
    public static bool PollWritable(SafeFd fd, int timeoutMs)
    {
        var pfd = new Libc.pollfd { fd = fd.Fd, events = Libc.POLLOUT };
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var rc = Libc.poll(&pfd, 1, (int)Math.Max(0, deadline - Environment.TickCount64));
            if (rc >= 0)
            {
                return rc > 0;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new RunaSystemException("poll", null, errno);
            }
        }
    }

    /// <summary>
    /// What is at <paramref name="path"/> (the entry itself, not a symlink's target): null if
    /// nothing, else true for a unix socket and false for anything else.
    /// </summary>
    public static bool? IsSocket(string path)
    {
        var buf = stackalloc byte[Libc.StatxSize];
        if (Libc.statx(Libc.AT_FDCWD, path, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_TYPE, buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ENOENT)
            {
                return null;
            }
            throw new RunaSystemException("statx", path, errno);
        }
        return (*(ushort*)(buf + Libc.StatxModeOffset) & Libc.S_IFMT) == Libc.S_IFSOCK;
    }

    public static void Chmod(string path, uint mode) => Check(Libc.chmod(path, mode), "chmod", path);

    /// <summary>Changes owner and group of <paramref name="path"/> itself (not a symlink's target); uint.MaxValue keeps one.</summary>
    public static void Chown(string path, uint uid, uint gid) => Check(Libc.lchown(path, uid, gid), "lchown", path);

    /// <summary>The gid of group <paramref name="name"/> (through NSS, as getgrnam), null if there is none.</summary>
    public static uint? GroupId(string name)
    {
        var size = 16384;
        while (true)
        {
            var buffer = new byte[size];
            fixed (byte* b = buffer)
            {
                Libc.group grp;
                Libc.group* result;
                var rc = Libc.getgrnam_r(name, &grp, b, (nuint)size, &result);
                if (rc == Errno.ERANGE && size < 1 << 24)
                {
                    size *= 4;
                    continue;
                }
                if (rc != 0 && rc != Errno.ENOENT)
                {
                    throw new RunaSystemException("getgrnam_r", name, rc);
                }
                return result is null ? null : result->gr_gid;
            }
        }
    }

    /// <summary>The name and primary gid of user <paramref name="uid"/>, null if the user database has no such user.</summary>
    public static (string Name, uint Gid)? User(uint uid)
    {
        var size = 16384;
        while (true)
        {
            var buffer = new byte[size];
            fixed (byte* b = buffer)
            {
                Libc.passwd pwd;
                Libc.passwd* result;
                var rc = Libc.getpwuid_r(uid, &pwd, b, (nuint)size, &result);
                if (rc == Errno.ERANGE && size < 1 << 24)
                {
                    size *= 4;
                    continue;
                }
                if (rc != 0 && rc != Errno.ENOENT)
                {
                    throw new RunaSystemException("getpwuid_r", $"uid {uid}", rc);
                }
                return result is null ? null : (Marshal.PtrToStringUTF8((nint)result->pw_name) ?? "", result->pw_gid);
            }
        }
    }

    /// <summary>Every group of <paramref name="user"/>: <paramref name="primaryGid"/> and its supplementary groups (getgrouplist).</summary>
    public static uint[] GroupList(string user, uint primaryGid)
    {
        var count = 64;
        while (true)
        {
            var groups = new uint[count];
            fixed (uint* g = groups)
            {
                var n = count;
                if (Libc.getgrouplist(user, primaryGid, g, &n) >= 0)
                {
                    return groups[..n];
                }
                if (n <= count)
                {
                    n = count * 4;
                }
                count = n;
            }
        }
    }

    /// <summary>
    /// A zombie child waiting to be collected, without collecting it (waitid P_ALL with WNOWAIT):
    /// its pid, or 0 when no child has exited. Only ever shows one (the first the kernel finds).
    /// </summary>
    public static int PeekExitedChild()
    {
        var info = stackalloc byte[Libc.SiginfoSize];
        while (true)
        {
            new Span<byte>(info, Libc.SiginfoSize).Clear();
            if (Libc.waitid(Libc.P_ALL, 0, info, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT) == 0)
            {
                return *(int*)(info + 16);
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ECHILD)
            {
                return 0;
            }
            if (errno != Errno.EINTR)
            {
                throw new RunaSystemException("waitid", "P_ALL", errno);
            }
        }
    }

    /// <summary>Collects child <paramref name="pid"/> if it has exited; null if it runs or is not (any more) our child.</summary>
    public static ExitStatus? ReapChild(int pid)
    {
        var info = stackalloc byte[Libc.SiginfoSize];
        while (true)
        {
            new Span<byte>(info, Libc.SiginfoSize).Clear();
            if (Libc.waitid(Libc.P_PID, pid, info, Libc.WEXITED | Libc.WNOHANG) == 0)
            {
                return DecodeSiginfo(info);
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ECHILD)
            {
                return null;
            }
            if (errno != Errno.EINTR)
            {
                throw new RunaSystemException("waitid", $"pid {pid}", errno);
            }
        }
    }

    /// <summary>Our children (of every thread), from /proc/self/task/*/children.</summary>
    public static IReadOnlyList<int> Children()
    {
        var pids = new List<int>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // the thread ended meanwhile
            }
            foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(part, out var pid))
                {
                    pids.Add(pid);
                }
            }
        }
        return pids;
    }

    private static Libc.sockaddr_un UnixAddress(string path, string operation, out uint len)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
        {
            throw new RunaSystemException(operation, path, Errno.ENAMETOOLONG, "a unix socket path has at most 107 bytes");
        }
        var addr = new Libc.sockaddr_un { sun_family = Libc.AF_UNIX };
        for (var i = 0; i < bytes.Length; i++)
        {
            addr.sun_path[i] = bytes[i];
        }
        len = (uint)(2 + bytes.Length + 1);
        return addr;
    }
}
