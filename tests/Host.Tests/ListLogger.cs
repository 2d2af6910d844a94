using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Runa.Host.Tests;

/// <summary>Keeps log lines, and lets a test wait for one.</summary>
public sealed class ListLogger : ILogger
{
    private readonly object _gate = new();

    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    public string WaitFor(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                var line = Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                {
                    if (Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } late)
                    {
                        return late;
                    }
                    throw new TimeoutException($"no log line with \"{text}\" within {timeout}; lines: {string.Join(" | ", Lines)}");
                }
            }
        }
    }
}
