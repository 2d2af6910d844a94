namespace Runa.Kernel;

/// <summary>Log severity, lowest first.</summary>
// AKKA-DEVIATION: Akka names the members DebugLevel/InfoLevel/WarningLevel/ErrorLevel.
public enum LogLevel
{
    /// <summary>Diagnostics.</summary>
    Debug,

    /// <summary>Normal operation worth noting (dead letters are logged here).</summary>
    Info,

    /// <summary>Something unusual.</summary>
    Warning,

    /// <summary>A failure (actor failures are logged here by their supervisor).</summary>
    Error,
}
