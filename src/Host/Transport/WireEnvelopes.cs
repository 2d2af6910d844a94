using System.Text.Json.Serialization;
using Runa.Actors.Containers;

namespace Runa.Host.Transport;

/// <summary>The client's first frame.</summary>
public sealed record Hello(
    [property: JsonPropertyName("protocol")] int Protocol,
    [property: JsonPropertyName("client")] string Client);

/// <summary>The daemon accepts the client.</summary>
public sealed record Welcome(
    [property: JsonPropertyName("protocol")] int Protocol,
    [property: JsonPropertyName("server")] string Server);

/// <summary>The daemon refuses the client (permissions, protocol version); the connection closes.</summary>
public sealed record Refusal([property: JsonPropertyName("message")] string Message);

/// <summary>
/// A request failed. <see cref="Kind"/>: "container" (a <see cref="ContainerException"/>, with
/// its <see cref="ContainerKind"/> and <see cref="ProcessExitCode"/>), "timeout" (no answer in
/// time), "unavailable" (the daemon is shutting down) or "error" (anything else).
/// </summary>
public sealed record WireFailure(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("message")] string Message)
{
    [JsonPropertyName("containerKind")]
    public ContainerErrorKind? ContainerKind { get; init; }

    [JsonPropertyName("processExitCode")]
    public int? ProcessExitCode { get; init; }
}
