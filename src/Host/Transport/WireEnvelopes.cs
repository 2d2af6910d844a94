using System.Text.Json.Serialization;
using Runa.Actors.Containers;

namespace Runa.Host.Transport;

/// <summary>
/// The client's first frame. With <see cref="LogLevel"/>, the daemon also sends it (as Log
/// frames) what the containers a request concerns log at that level or above while the request
/// is in flight — what the embedded CLI would have printed on its own log.
/// </summary>
public sealed record Hello(
    [property: JsonPropertyName("protocol")] int Protocol,
    [property: JsonPropertyName("client")] string Client)
{
    [JsonPropertyName("logLevel")]
    public Kernel.LogLevel? LogLevel { get; init; }
}

/// <summary>A log event of a container a request concerns, for the client's log.</summary>
public sealed record WireLog(
    [property: JsonPropertyName("level")] Kernel.LogLevel Level,
    [property: JsonPropertyName("message")] string Message);

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
