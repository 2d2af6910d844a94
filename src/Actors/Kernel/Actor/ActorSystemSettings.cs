namespace Runa.Kernel;

/// <summary>Settings of an <see cref="ActorSystem"/>.</summary>
// AKKA-DEVIATION: a typed record with defaults instead of HOCON configuration.
public sealed record ActorSystemSettings
{
    /// <summary>The defaults.</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary>Maximum user messages an actor processes per mailbox run before yielding its pool thread.</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>Default timeout of <c>Ask</c> when none is given; null waits forever.</summary>
    public TimeSpan? AskTimeout { get; init; }

    /// <summary>Lowest level that is logged.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Receives every enabled <see cref="LogEvent"/> synchronously on the logging thread; null: no output.</summary>
    public Action<LogEvent>? LogSink { get; init; }

    /// <summary>
    /// How many dead letters are logged (at Info, whatever <see cref="LogLevel"/> is) before a notice
    /// says the rest are not; 0 turns dead-letter logging off. All are still counted and published.
    /// </summary>
    // AKKA-DEVIATION: Akka logs dead letters through its loglevel filter, whose default (INFO) lets
    // them through. Here the default level is Warning, so this count alone decides, keeping Akka's
    // default of 10 logged dead letters visible.
    public int LogDeadLetters { get; init; } = 10;
}
