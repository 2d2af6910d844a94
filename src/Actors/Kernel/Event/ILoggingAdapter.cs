namespace Runa.Kernel;

/// <summary>
/// Logging for actors and kernel code. Formats accept positional (<c>{0}</c>) and named
/// (<c>{Name}</c>, filled by position) holes.
/// </summary>
public interface ILoggingAdapter
{
    /// <summary>True if <paramref name="level"/> is enabled.</summary>
    bool IsEnabled(LogLevel level);

    /// <summary>True if Debug is enabled.</summary>
    bool IsDebugEnabled { get; }

    /// <summary>True if Info is enabled.</summary>
    bool IsInfoEnabled { get; }

    /// <summary>True if Warning is enabled.</summary>
    bool IsWarningEnabled { get; }

    /// <summary>True if Error is enabled.</summary>
    bool IsErrorEnabled { get; }

    /// <summary>Logs at <paramref name="level"/>.</summary>
    void Log(LogLevel level, Exception? cause, string format, params object?[] args);

    /// <summary>Logs at Debug.</summary>
    void Debug(string format, params object?[] args);

    /// <summary>Logs at Debug with an exception.</summary>
    void Debug(Exception cause, string format, params object?[] args);

    /// <summary>Logs at Info.</summary>
    void Info(string format, params object?[] args);

    /// <summary>Logs at Info with an exception.</summary>
    void Info(Exception cause, string format, params object?[] args);

    /// <summary>Logs at Warning.</summary>
    void Warning(string format, params object?[] args);

    /// <summary>Logs at Warning with an exception.</summary>
    void Warning(Exception cause, string format, params object?[] args);

    /// <summary>Logs at Error.</summary>
    void Error(string format, params object?[] args);

    /// <summary>Logs at Error with an exception.</summary>
    void Error(Exception cause, string format, params object?[] args);
}
