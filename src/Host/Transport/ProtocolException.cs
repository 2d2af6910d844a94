namespace Runa.Host.Transport;

/// <summary>The peer broke the wire protocol; the connection cannot go on.</summary>
public sealed class ProtocolException(string message, Exception? inner = null) : Exception(message, inner);
