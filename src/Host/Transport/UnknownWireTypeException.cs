namespace Runa.Host.Transport;

/// <summary>A well-formed message of a type this side's catalog does not have (a newer peer, say).</summary>
public sealed class UnknownWireTypeException(string name) : Exception($"unknown message type \"{name}\"")
{
    public string TypeName { get; } = name;
}
