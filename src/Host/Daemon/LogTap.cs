using Runa.Kernel;

namespace Runa.Host.Daemon;

/// <summary>
/// Lets a request see what its container logs while it is in flight: the daemon's log sink
/// publishes every actor log event here, and a subscription for container <c>ID</c> receives
/// the events of /user/containers/ID and its children (runa-init's log, cgroup warnings, …).
/// In embedded mode those lines reach the CLI's own log; through the daemon they are relayed.
/// </summary>
public sealed class LogTap
{
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];

    public IDisposable Subscribe(string containerId, LogLevel minLevel, Action<LogEvent> onEvent)
    {
        var s = new Subscription($"/user/containers/{containerId}", minLevel, onEvent, this);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, s];
        }
        return s;
    }

    public void Publish(LogEvent e)
    {
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            if (e.Level >= s.MinLevel && Concerns(e.LogSource, s.Path))
            {
                s.OnEvent(e);
            }
        }
    }

    private static bool Concerns(string source, string path)
    {
        var i = source.IndexOf(path, StringComparison.Ordinal);
        var end = i + path.Length;
        return i >= 0 && (end == source.Length || source[end] == '/');
    }

    private void Remove(Subscription s)
    {
        lock (_gate)
        {
            _subscriptions = _subscriptions.Where(x => x != s).ToArray();
        }
    }

    private sealed class Subscription(string path, LogLevel minLevel, Action<LogEvent> onEvent, LogTap tap) : IDisposable
    {
        public string Path { get; } = path;

        public LogLevel MinLevel { get; } = minLevel;

        public Action<LogEvent> OnEvent { get; } = onEvent;

        public void Dispose() => tap.Remove(this);
    }
}
