using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Host.Transport;
using Runa.Kernel;
using Runa.Runtime.Interop;
using Runa.Runtime.Launch;

namespace Runa.Host.Daemon;

/// <summary>
/// `runa daemon` as a hosted service. Start: become a child subreaper, start the orphan reaper,
/// host the container engine (actor system, journal, registry) for good, listen. Stop (SIGTERM,
/// SIGINT): stop accepting, finish or fail in-flight requests, terminate the actor system. Nothing
/// on the way down signals a container: they keep running, and a later daemon or the embedded CLI
/// on the same --root finds them in the journal.
/// </summary>
public sealed class DaemonService(DaemonSettings settings, ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _log = loggers.CreateLogger("Runa.Daemon");
    private ChildReaper? _reaper;
    private EmbeddedRuntime? _engine;
    private DaemonServer? _server;

    /// <summary>The engine (for tests in this process).</summary>
    internal EmbeddedRuntime? Engine => _engine;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var authorizer = new PeerAuthorizer(settings.Group, SystemUserDatabase.Instance);
        // Orphans below us come to us, not to init: container processes left behind by an
        // exiting container init (without a pid namespace), exec'd processes whose parent died.
        Sys.SetChildSubreaper();
        _reaper = new ChildReaper(loggers.CreateLogger("Runa.Daemon.Reaper"));
        _reaper.Start(settings.ReapInterval);
        var bridge = new ActorLogBridge(loggers);
        _engine = EmbeddedRuntime.Start(settings.Runtime,
            new ActorSystemSettings { LogSink = bridge.Sink, LogLevel = ActorLogBridge.KernelLevel(settings.LogLevel) },
            new TrackingInitLauncher(new InitLauncher(InitLauncher.DefaultPath), _reaper),
            new TrackingProcessTable(KernelProcessTable.Instance, _reaper));
        var reaper = _reaper;
        _server = new DaemonServer(_engine.System, _engine.Registry, WireCatalog.Default, authorizer,
            new DaemonServerOptions { HandshakeTimeout = settings.HandshakeTimeout, WriteTimeout = settings.WriteTimeout },
            loggers.CreateLogger("Runa.Daemon.Server"),
            request => request is CreateContainer or ExecInContainer ? reaper.BeginSpawn() : null,
            bridge.Tap);
        try
        {
            // Before any client: every journaled container is accounted for (live ones watched
            // again, dead ones recorded, creates a crashed daemon left half done cleaned up).
            var recovered = await _engine.Registry.Ask<ContainersRecovered>(new RecoverContainers(), settings.ShutdownTimeout + TimeSpan.FromSeconds(30));
            _log.LogInformation("recovered {Count} container(s) from the journal {Journal}", recovered.Count, settings.Runtime.JournalPath);
            _server.Listen(settings.Socket);
        }
        catch
        {
            // The host does not stop a service that failed to start: undo what this one started.
            await _engine.DisposeAsync().ConfigureAwait(false);
            _reaper.Dispose();
            throw;
        }
        _log.LogInformation("runa daemon listening on {Socket} (root {Root}, {Access}, protocol {Protocol}, pid {Pid})",
            settings.Socket, settings.Root, authorizer.Group is null ? "root only" : $"root and group {authorizer.Group}",
            Wire.ProtocolVersion, Sys.GetPid());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _log.LogInformation("runa daemon stopping: containers keep running");
        if (_server is not null)
        {
            await _server.StopAsync(settings.ShutdownTimeout).ConfigureAwait(false);
        }
        if (_engine is not null)
        {
            await _engine.DisposeAsync().ConfigureAwait(false);
        }
        _reaper?.Dispose();
        _log.LogInformation("runa daemon stopped");
    }
}
