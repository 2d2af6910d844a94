using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runa.Runtime.Oci;

/// <summary>
/// Source-generated serializers for the OCI types: no reflection at startup, which matters
/// for a CLI whose whole life is a few milliseconds.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(LinuxResources))]
[JsonSerializable(typeof(Process))]
public sealed partial class OciJson : JsonSerializerContext
{
}
