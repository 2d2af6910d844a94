using System.Text.Json;
using System.Text.Json.Serialization;
using Runa.Runtime.Interop;

namespace Runa.Host.Transport;

/// <summary>
/// File descriptors never travel inside JSON: <see cref="WireCatalog"/> strips them before
/// serializing and passes them with SCM_RIGHTS. A payload naming one is malformed.
/// </summary>
public sealed class SafeFdJsonConverter : JsonConverter<SafeFd>
{
    public override SafeFd Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new JsonException("a file descriptor cannot travel in the payload (only as SCM_RIGHTS)");

    public override void Write(Utf8JsonWriter writer, SafeFd value, JsonSerializerOptions options) =>
        throw new InvalidOperationException("a SafeFd reached the JSON serializer: the catalog must strip it first");
}
