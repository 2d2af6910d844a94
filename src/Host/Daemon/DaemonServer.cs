using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Io;

namespace Runa.Host.Daemon;

/// <summary>
/// The daemon's listening socket and its connections. Every request goes to <see cref="Target"/>
/// (the container registry) as an Ask; the server itself holds no container state, so a
/// stopping daemon only has to stop accepting, finish or fail what is in flight, and close.
/// </summary>
public sealed class DaemonServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<DaemonConnection, byte> _connections = new();
    private readonly Lock _gate = new();
    private readonly ILogger _log;
    private SafeFd? _listener;
    private IDisposable? _watch;
    private string? _path;
    private bool _stopping;

    /// <param name="logTap">The actor system's log events, relayed to clients that ask for them in their Hello.</param>
    /// <param name="requestScope">
    /// Called for each request before it is asked; the returned scope is disposed once it is
    /// answered (the daemon fences the orphan reaper for the whole of a create with it).
    /// </param>
    public DaemonServer(ActorSystem system, IActorRef target, WireCatalog catalog, PeerAuthorizer authorizer,
        DaemonServerOptions options, ILogger log, Func<object, IDisposable?>? requestScope = null, LogTap? logTap = null)
    {
        LogTap = logTap;
        System = system;
        Target = target;
        Catalog = catalog;
        Authorizer = authorizer;
        Options = options;
        _log = log;
        RequestScope = requestScope ?? (_ => null);
    }

    public ActorSystem System { get; }

    public IActorRef Target { get; }

    public WireCatalog Catalog { get; }

    public PeerAuthorizer Authorizer { get; }

    public DaemonServerOptions Options { get; }

    internal Func<object, IDisposable?> RequestScope { get; }

    /// <summary>Where container log events can be followed (null: clients get none).</summary>
    internal LogTap? LogTap { get; }

    internal ILogger Log => _log;

    /// <summary>Open connections (for tests and leak checks).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Binds <paramref name="path"/>: mode 0600, or 0660 and group-owned by the authorizer's
    /// group. Refuses a path a live daemon answers on; removes a stale socket file.
    /// </summary>
    public void Listen(string path)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        RemoveStaleSocket(path);
        var listener = Sys.ListenSeqPacket(path, 0x180 /* 0600 */);
        try
        {
            if (Authorizer.Gid is { } gid)
            {
                Sys.Chown(path, uint.MaxValue, gid);
                Sys.Chmod(path, 0x1B0 /* 0660 */);
            }
            else
            {
                Sys.Chmod(path, 0x180);
            }
        }
        catch
        {
            listener.Dispose();
            File.Delete(path);
            throw;
        }
        lock (_gate)
        {
            _listener = listener;
            _path = path;
            _watch = EpollLoop.Shared.Watch(listener, OnAcceptable);
        }
    }

    private void RemoveStaleSocket(string path)
    {
        switch (Sys.IsSocket(path))
        {
            case null:
                return;
            case false:
                throw new IOException($"{path} exists and is not a socket: remove it or choose another --socket");
        }
        try
        {
            using var probe = Sys.ConnectSeqPacket(path);
        }
        catch (RunaSystemException e) when (e.Errno == Errno.ECONNREFUSED)
        {
            _log.LogInformation("removing the stale socket {Path} (nothing listens on it)", path);
            File.Delete(path);
            return;
        }
        catch (RunaSystemException e)
        {
            throw new IOException($"{path} is a socket that cannot be probed ({e.Message}): is another daemon using it?", e);
        }
        throw new IOException($"another runa daemon is already listening on {path}");
    }

    /// <summary>On the epoll thread: take every pending connection.</summary>
    private void OnAcceptable()
    {
        while (true)
        {
            SafeFd? fd;
            lock (_gate)
            {
                if (_stopping || _listener is null)
                {
                    return;
                }
                try
                {
                    fd = Sys.Accept(_listener);
                }
                catch (RunaSystemException e)
                {
                    // EMFILE and friends: log, and let the next readiness try again.
                    _log.LogError("accepting a connection: {Error}", e.Message);
                    return;
                }
            }
            if (fd is null)
            {
                return;
            }
            DaemonConnection connection;
            try
            {
                var (pid, uid, gid) = Sys.PeerCredentials(fd);
                connection = new DaemonConnection(this, fd, pid, uid, gid);
            }
            catch (RunaSystemException e)
            {
                _log.LogWarning("dropping a connection whose peer cannot be identified: {Error}", e.Message);
                fd.Dispose();
                continue;
            }
            _connections[connection] = 0;
            _ = Task.Run(connection.RunAsync);
        }
    }

    internal void Forget(DaemonConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>
    /// Stops accepting (the socket file goes), then lets in-flight requests finish for up to
    /// <paramref name="grace"/> — waits and streams, which never finish on their own, are failed
    /// at once — fails what is left with "the runa daemon is shutting down", and closes.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            _watch?.Dispose();
            _watch = null;
            _listener?.Dispose();
            _listener = null;
        }
        if (_path is not null && Sys.IsSocket(_path) == true)
        {
            File.Delete(_path);
        }
        var connections = _connections.Keys.ToList();
        await Task.WhenAll(connections.Select(c => c.DrainAsync(grace))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
}
