using System.Runtime.InteropServices;

namespace Runa.Runtime.Interop;

public static unsafe partial class Sys
{
    /// <summary>A SOCK_SEQPACKET socketpair (one message per packet), both ends O_CLOEXEC.</summary>
    public static (SafeFd A, SafeFd B) SeqPacketPair(int bufferBytes = 0)
    {
        int* sv = stackalloc int[2];
        Check(Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, sv), "socketpair");
        var pair = (new SafeFd(sv[0]), new SafeFd(sv[1]));
        if (bufferBytes > 0)
        {
            SetSendBuffer(pair.Item1, bufferBytes);
            SetSendBuffer(pair.Item2, bufferBytes);
        }
        return pair;
    }

    /// <summary>
    /// Raises the socket's send buffer so one message of <paramref name="bytes"/> fits (a unix
    /// SOCK_SEQPACKET message may not exceed the sender's SO_SNDBUF). Tries SO_SNDBUFFORCE
    /// (root), then SO_SNDBUF (capped by net.core.wmem_max); best effort.
    /// </summary>
    public static void SetSendBuffer(SafeFd socket, int bytes)
    {
        var size = bytes;
        if (Libc.setsockopt(socket.Fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, &size, sizeof(int)) == 0)
        {
            return;
        }
        Libc.setsockopt(socket.Fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, &size, sizeof(int));
    }

    /// <summary>Sends one packet, optionally with fds (SCM_RIGHTS), waiting for room. Never raises SIGPIPE.</summary>
    public static void SendPacket(SafeFd socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds = default, string what = "sync socket") =>
        SendMessage(socket, data, fds, blocking: true, what);

    /// <summary>
    /// Sends one message with its fds without blocking. False if the socket's buffer is full
    /// (EAGAIN); throws on any other error (EPIPE, ECONNRESET once the peer is gone). Never SIGPIPE.
    /// </summary>
    public static bool TrySendMessage(SafeFd socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds, string what) =>
        SendMessage(socket, data, fds, blocking: false, what);

    private static bool SendMessage(SafeFd socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds, bool blocking, string what)
    {
        fixed (byte* p = data)
        {
            var iov = new Libc.iovec { iov_base = p, iov_len = (nuint)data.Length };
            var msg = new Libc.msghdr { msg_iov = &iov, msg_iovlen = 1 };
            var controlLen = fds.Length == 0 ? 0 : CmsgSpace(fds.Length * sizeof(int));
            var control = stackalloc byte[Math.Max(controlLen, 1)];
            if (fds.Length > 0)
            {
                new Span<byte>(control, controlLen).Clear();
                var cm = (Libc.cmsghdr*)control;
                cm->cmsg_level = Libc.SOL_SOCKET;
                cm->cmsg_type = Libc.SCM_RIGHTS;
                cm->cmsg_len = (nuint)(sizeof(Libc.cmsghdr) + fds.Length * sizeof(int));
                var dst = (int*)(control + sizeof(Libc.cmsghdr));
                for (var i = 0; i < fds.Length; i++)
                {
                    dst[i] = fds[i];
                }
                msg.msg_control = control;
                msg.msg_controllen = (nuint)controlLen;
            }
            var flags = Libc.MSG_NOSIGNAL | (blocking ? 0 : Libc.MSG_DONTWAIT);
            while (true)
            {
                if (Libc.sendmsg(socket.Fd, &msg, flags) >= 0)
                {
                    return true;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno == Errno.EAGAIN && !blocking)
                {
                    return false;
                }
                throw new RunaSystemException("sendmsg", what, errno);
            }
        }
    }

    /// <summary>
    /// Receives one message without blocking: its length, 0 at EOF, -1 when nothing is pending.
    /// Fds that came with it are added to <paramref name="fds"/> (O_CLOEXEC), also when it then
    /// fails: a message longer than <paramref name="buffer"/>, or with more than
    /// <paramref name="maxFds"/> fds, throws EMSGSIZE and is never silently cut.
    /// </summary>
    public static int ReceiveMessage(SafeFd socket, Span<byte> buffer, List<SafeFd> fds, int maxFds, string what) =>
        ReceivePacket(socket, buffer, fds, nonBlocking: true, maxFds, what);

    /// <summary>
    /// Receives one packet into <paramref name="buffer"/>. Returns its length (0 at EOF), -1 if
    /// a non-blocking receive found nothing; fds that came with it are returned O_CLOEXEC.
    /// A packet larger than the buffer, or with more than <paramref name="maxFds"/> fds, is an
    /// error (EMSGSIZE), never silently cut.
    /// </summary>
    public static int ReceivePacket(SafeFd socket, Span<byte> buffer, List<SafeFd> fds, bool nonBlocking = false, int maxFds = 8,
        string what = "sync socket")
    {
        fixed (byte* p = buffer)
        {
            var iov = new Libc.iovec { iov_base = p, iov_len = (nuint)buffer.Length };
            var controlLen = CmsgSpace(maxFds * sizeof(int));
            var control = stackalloc byte[controlLen];
            var msg = new Libc.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (nuint)controlLen };
            nint n;
            while (true)
            {
                n = Libc.recvmsg(socket.Fd, &msg, Libc.MSG_CMSG_CLOEXEC | (nonBlocking ? Libc.MSG_DONTWAIT : 0));
                if (n >= 0)
                {
                    break;
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
                if (errno == Errno.ECONNRESET)
                {
                    // The peer closed with data of ours unread: the kernel reports that once, then
                    // still delivers what the peer sent before it went (runa-init's ERROR, say), then EOF.
                    continue;
                }
                throw new RunaSystemException("recvmsg", what, errno);
            }
            for (var cm = msg.msg_controllen >= (nuint)sizeof(Libc.cmsghdr) ? (Libc.cmsghdr*)control : null;
                 cm is not null;
                 cm = NextCmsg(&msg, cm))
            {
                if (cm->cmsg_level == Libc.SOL_SOCKET && cm->cmsg_type == Libc.SCM_RIGHTS)
                {
                    var count = ((int)cm->cmsg_len - sizeof(Libc.cmsghdr)) / sizeof(int);
                    var src = (int*)((byte*)cm + sizeof(Libc.cmsghdr));
                    for (var i = 0; i < count; i++)
                    {
                        fds.Add(new SafeFd(src[i]));
                    }
                }
            }
            if ((msg.msg_flags & (Libc.MSG_TRUNC | Libc.MSG_CTRUNC)) != 0)
            {
                throw new RunaSystemException("recvmsg", what, Errno.EMSGSIZE,
                    $"a message larger than {buffer.Length} bytes or with more than {maxFds} fds");
            }
            return (int)n;
        }
    }

    private static int CmsgAlign(int len) => (len + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    private static int CmsgSpace(int len) => CmsgAlign(sizeof(Libc.cmsghdr)) + CmsgAlign(len);

    private static Libc.cmsghdr* NextCmsg(Libc.msghdr* msg, Libc.cmsghdr* cm)
    {
        var next = (byte*)cm + CmsgAlign((int)cm->cmsg_len);
        var end = (byte*)msg->msg_control + (int)msg->msg_controllen;
        return next + sizeof(Libc.cmsghdr) > end ? null : (Libc.cmsghdr*)next;
    }

    /// <summary>SO_PEERCRED of a connected unix socket: who is on the other end.</summary>
    public static (int Pid, uint Uid, uint Gid) PeerCredentials(SafeFd socket)
    {
        Libc.ucred cred;
        uint len = (uint)sizeof(Libc.ucred);
        Check(Libc.getsockopt(socket.Fd, Libc.SOL_SOCKET, Libc.SO_PEERCRED, &cred, &len), "getsockopt SO_PEERCRED");
        return (cred.pid, cred.uid, cred.gid);
    }

    /// <summary>Connects a SOCK_STREAM unix socket to <paramref name="path"/>.</summary>
    public static SafeFd ConnectUnix(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= 108)
        {
            throw new RunaSystemException("connect", path, Errno.ENAMETOOLONG, "a unix socket path has at most 107 bytes");
        }
        var fd = CheckFd(Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0), "socket", path);
        var addr = new Libc.sockaddr_un { sun_family = Libc.AF_UNIX };
        for (var i = 0; i < bytes.Length; i++)
        {
            addr.sun_path[i] = bytes[i];
        }
        while (true)
        {
            if (Libc.connect(fd.Fd, &addr, (uint)(2 + bytes.Length + 1)) == 0)
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

    public static void Shutdown(SafeFd socket)
    {
        // ENOTCONN after the peer is gone is fine: the point is to wake blocked readers.
        Libc.shutdown(socket.Fd, Libc.SHUT_RDWR);
    }
}
