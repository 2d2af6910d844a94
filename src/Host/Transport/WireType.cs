using System.Text.Json.Serialization.Metadata;
using Runa.Runtime.Interop;

namespace Runa.Host.Transport;

/// <summary>
/// One message type the wire knows: its name on the wire, its JSON contract, whether a client
/// may send it as a request, and how its fds leave it before serializing and come back after.
/// </summary>
public sealed class WireType
{
    internal WireType(string name, Type type, JsonTypeInfo info, bool isRequest,
        Func<object, (object Stripped, IReadOnlyList<SafeFd> Fds)>? detach,
        Func<object, IReadOnlyList<SafeFd>, object>? attach)
    {
        Name = name;
        Type = type;
        Info = info;
        IsRequest = isRequest;
        Detach = detach ?? (m => (m, []));
        Attach = attach ?? ((m, fds) => fds.Count == 0 ? m : throw new ProtocolException($"a {name} carries no fds, {fds.Count} came with it"));
    }

    public string Name { get; }

    public Type Type { get; }

    public JsonTypeInfo Info { get; }

    /// <summary>A client may send it (in a Request or Subscribe frame).</summary>
    public bool IsRequest { get; }

    /// <summary>The message without its fds (for JSON), and the fds (for SCM_RIGHTS), in a fixed order.</summary>
    public Func<object, (object Stripped, IReadOnlyList<SafeFd> Fds)> Detach { get; }

    /// <summary>The message with the fds that came with it put back; throws <see cref="ProtocolException"/> for a wrong count.</summary>
    public Func<object, IReadOnlyList<SafeFd>, object> Attach { get; }
}
