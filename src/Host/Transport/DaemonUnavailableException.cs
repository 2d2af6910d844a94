namespace Runa.Host.Transport;

/// <summary>The daemon could not (or can no longer) serve: it is shutting down, or the connection is gone.</summary>
public sealed class DaemonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
