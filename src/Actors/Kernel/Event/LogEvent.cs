namespace Runa.Kernel;

/// <summary>
/// A log entry, published on the <see cref="EventStream"/> and passed to
/// <see cref="ActorSystemSettings.LogSink"/> when its level is enabled.
/// </summary>
/// <param name="Level">Severity.</param>
/// <param name="LogSource">Who logged: usually an actor path.</param>
/// <param name="LogClass">The class that logged.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Cause">The exception, if any.</param>
// AKKA-DEVIATION: one record with a Level instead of Akka's Debug/Info/Warning/Error subclasses.
public sealed record LogEvent(LogLevel Level, string LogSource, Type LogClass, string Message, Exception? Cause)
{
    /// <summary>When it was logged (UTC).</summary>
    public DateTime Timestamp { get; init; } = DateTime.UtcNow;

    /// <summary>The managed thread that logged it.</summary>
    public int ThreadId { get; init; } = Environment.CurrentManagedThreadId;

    /// <inheritdoc/>
    public override string ToString()
    {
        string text = $"[{Level.ToString().ToUpperInvariant()}][{Timestamp:O}][Thread {ThreadId:D4}][{LogSource}] {Message}";
        return Cause is null ? text : text + Environment.NewLine + Cause;
    }
}
