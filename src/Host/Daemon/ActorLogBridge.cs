using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Runa.Kernel;
using KernelLogLevel = Runa.Kernel.LogLevel;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Runa.Host.Daemon;

/// <summary>
/// The actor system's <see cref="ActorSystemSettings.LogSink"/>: written to
/// Microsoft.Extensions.Logging, and published on <see cref="Tap"/> for clients.
/// </summary>
public sealed class ActorLogBridge(ILoggerFactory factory)
{
    public LogTap Tap { get; } = new();

    private readonly ConcurrentDictionary<Type, ILogger> _loggers = new();

    /// <summary>The kernel level that lets through what <paramref name="level"/> would log.</summary>
    public static KernelLogLevel KernelLevel(MelLogLevel level) => level switch
    {
        <= MelLogLevel.Debug => KernelLogLevel.Debug,
        MelLogLevel.Information => KernelLogLevel.Info,
        MelLogLevel.Warning => KernelLogLevel.Warning,
        _ => KernelLogLevel.Error,
    };

    public void Sink(LogEvent e)
    {
        var logger = _loggers.GetOrAdd(e.LogClass, t => factory.CreateLogger(t.FullName ?? t.Name));
        var level = e.Level switch
        {
            KernelLogLevel.Debug => MelLogLevel.Debug,
            KernelLogLevel.Info => MelLogLevel.Information,
            KernelLogLevel.Warning => MelLogLevel.Warning,
            _ => MelLogLevel.Error,
        };
        logger.Log(level, e.Cause, "[{Source}] {Message}", e.LogSource, e.Message);
        Tap.Publish(e);
    }
}
