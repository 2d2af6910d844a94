namespace Runa.Host.Transport;

/// <summary>
/// The wire protocol between `runa --host unix:///PATH …` (client) and `runa daemon`.
/// <code>
/// Transport: a SOCK_SEQPACKET unix socket. One packet = one frame, so message boundaries and
/// the fds that belong to a frame (SCM_RIGHTS, sent in the same sendmsg) need no reassembly.
///
/// Frame (little-endian), at most MaxFrameSize bytes in all:
///   0        4      6     7       8                16
///   +--------+------+-----+-------+----------------+-----------------------------+
///   | length | type | nfd | flags |   request id   | payload: `length` bytes     |
///   |  u32   | u16  | u8  | u8=0  |      u64       | UTF-8 JSON                  |
///   +--------+------+-----+-------+----------------+-----------------------------+
///   length = packet size - 16; nfd = fds that came with the packet (SCM_RIGHTS).
///
/// Conversation:
///   client                                daemon
///     |  (connect)                             |
///     |  Hello {protocol, client} --&gt;          |
///     |                 &lt;-- Welcome {protocol} |  or Refused {message}, then close: the peer's SO_PEERCRED is
///     |                                        |  not root/group ("permission denied: uid 1000 is not root and not
///     |                                        |  in group runa"), or "runa daemon speaks protocol 1, this client speaks 2"
///     |  Request #n {type, timeoutMs, message} --&gt;   (fds: CreateContainer.Stdio)
///     |  Request #m ... (many in flight; ids chosen by the client, unique while in flight)
///     |                 &lt;-- Reply #m {type, message}   (fds: ContainerCreatedReply.Console)
///     |                 &lt;-- Failure #n {kind, message, containerKind, processExitCode}
///     |                 &lt;-- Log #n {level, message}  (before the answer: what the request's container
///     |                                                  logged meanwhile, at the Hello's logLevel or above)
///     |  Subscribe #k {type, message} --&gt;     |  a streaming request:
///     |                 &lt;-- Item #k {type, message}  (any number)
///     |                 &lt;-- End #k / Failure #k
///     |  Cancel #k --&gt;                        |  the client gave up on #k (timeout, or stops a stream)
/// </code>
/// A frame that breaks these rules (bad header, unknown frame type, fds where none belong,
/// malformed JSON, a frame over MaxFrameSize) ends the connection; the daemon logs it and
/// serves everyone else. A well-formed request of a type the daemon does not know gets a Failure.
/// </summary>
public static class Wire
{
    /// <summary>Bumped on any incompatible change; both sides refuse a peer of another version.</summary>
    public const int ProtocolVersion = 1;

    public const int HeaderSize = 16;

    /// <summary>The largest frame either side accepts, header included.</summary>
    public const int MaxFrameSize = 1 << 20;

    /// <summary>The most fds a create or exec may pass on beyond stdio (--preserve-fds).</summary>
    public const int MaxPreservedFds = 64;

    /// <summary>The most fds one frame may carry: a create's or exec's stdio and its preserved fds.</summary>
    public const int MaxFds = 3 + MaxPreservedFds;

    /// <summary>The default daemon socket.</summary>
    public const string DefaultSocket = "/run/runa/runa.sock";

    /// <summary>
    /// The socket path of a --host/RUNA_HOST address: unix:///path (or a bare absolute path).
    /// Throws <see cref="FormatException"/> naming the address otherwise.
    /// </summary>
    public static string SocketPath(string address)
    {
        const string Scheme = "unix://";
        string path;
        if (address.StartsWith(Scheme, StringComparison.Ordinal))
        {
            path = address[Scheme.Length..];
        }
        else if (address.Contains("://", StringComparison.Ordinal))
        {
            throw new FormatException($"unsupported daemon address \"{address}\": expected unix:///path/to/runa.sock");
        }
        else
        {
            path = address;
        }
        if (!path.StartsWith('/'))
        {
            throw new FormatException($"unsupported daemon address \"{address}\": expected unix:///path/to/runa.sock");
        }
        return path;
    }
}
