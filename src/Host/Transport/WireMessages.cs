using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Kernel;
using Runa.Runtime.Interop;

namespace Runa.Host.Transport;

/// <summary>
/// Payloads: a message frame (Request, Subscribe, Reply, Item) carries
/// <c>{"type":"KillContainer","timeoutMs":1000,"message":{…}}</c> — the catalog name first, so the
/// message is read straight into its type; fds travel beside it. Control frames (Hello, Welcome,
/// Refused, Failure) carry their own records.
/// </summary>
public static class WireMessages
{
    /// <summary>The JSON of <paramref name="message"/>, and its fds in the order they must be sent.</summary>
    public static byte[] Encode(WireCatalog catalog, object message, long? timeoutMs, out IReadOnlyList<SafeFd> fds)
    {
        var type = catalog.Find(message.GetType())
            ?? throw new NotSupportedException($"a {message.GetType().Name} cannot cross the wire (it is not in the catalog)");
        var (stripped, detached) = type.Detach(message);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", type.Name);
            if (timeoutMs is { } t)
            {
                w.WriteNumber("timeoutMs", t);
            }
            w.WritePropertyName("message");
            JsonSerializer.Serialize(w, stripped, type.Info);
            w.WriteEndObject();
        }
        fds = detached;
        return buffer.ToArray();
    }

    /// <summary>
    /// The message of a message frame, with the frame's fds attached (the message owns them now).
    /// Throws <see cref="ProtocolException"/> for malformed payloads and <see cref="UnknownWireTypeException"/>
    /// for a well-formed one of a type this side does not know; either way the fds are closed.
    /// </summary>
    public static object Decode(WireCatalog catalog, Frame frame, out long? timeoutMs)
    {
        var fds = frame.TakeFds();
        try
        {
            return Attach(catalog, frame.Payload, fds, out timeoutMs);
        }
        catch
        {
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
            throw;
        }
    }

    private static object Attach(WireCatalog catalog, byte[] payload, IReadOnlyList<SafeFd> fds, out long? timeoutMs)
    {
        timeoutMs = null;
        string? name = null;
        WireType? type = null;
        object? message = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "the payload is not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                Expect(reader.Read(), "the payload ends early");
                switch (property)
                {
                    case "type":
                        Expect(reader.TokenType == JsonTokenType.String, "\"type\" is not a string");
                        name = reader.GetString()!;
                        type = catalog.Find(name);
                        break;
                    case "timeoutMs":
                        Expect(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var t) && t >= 0, "\"timeoutMs\" is not a count of milliseconds");
                        timeoutMs = reader.GetInt64();
                        break;
                    case "message":
                        Expect(name is not null, "\"message\" comes before \"type\"");
                        if (type is null)
                        {
                            reader.Skip();
                        }
                        else
                        {
                            message = JsonSerializer.Deserialize(ref reader, type.Info);
                            Expect(message is not null, $"the {name} message is null");
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            Expect(reader.TokenType == JsonTokenType.EndObject && !reader.Read(), "the payload has trailing data");
        }
        catch (JsonException e)
        {
            throw new ProtocolException($"malformed {name ?? "message"} payload: {e.Message}", e);
        }
        Expect(name is not null, "the payload names no \"type\"");
        if (type is null)
        {
            throw new UnknownWireTypeException(name!);
        }
        Expect(message is not null, $"the {name} payload has no \"message\"");
        return type.Attach(message!, fds);
    }

    /// <summary>A control record's JSON.</summary>
    public static byte[] Encode<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(value, info);

    /// <summary>A control record from a frame; malformed JSON is a <see cref="ProtocolException"/>.</summary>
    public static T Decode<T>(Frame frame, JsonTypeInfo<T> info)
    {
        try
        {
            return JsonSerializer.Deserialize(frame.Payload, info) ?? throw new ProtocolException($"the {frame.Type} frame's payload is null");
        }
        catch (JsonException e)
        {
            throw new ProtocolException($"malformed {frame.Type} payload: {e.Message}", e);
        }
    }

    /// <summary>What a failed request tells the client: enough to rebuild the same error there.</summary>
    public static WireFailure Failure(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Failure(a.InnerException!),
        ContainerException c => new WireFailure("container", c.Message) { ContainerKind = c.Kind, ProcessExitCode = c.ProcessExitCode },
        AskTimeoutException t => new WireFailure("timeout", t.Message),
        DaemonUnavailableException u => new WireFailure("unavailable", u.Message),
        _ => new WireFailure("error", CliError.Describe(e)),
    };

    /// <summary>The exception the embedded runtime would have thrown for the same failure.</summary>
    public static Exception ToException(WireFailure f) => f.Kind switch
    {
        "container" => new ContainerException(f.ContainerKind ?? ContainerErrorKind.Failed, f.Message) { ProcessExitCode = f.ProcessExitCode },
        "timeout" => new AskTimeoutException(f.Message),
        "unavailable" => new DaemonUnavailableException(f.Message),
        _ => new CliError(f.Message),
    };

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new ProtocolException(problem);
        }
    }
}
