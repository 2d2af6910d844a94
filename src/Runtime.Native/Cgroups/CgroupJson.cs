using System.Text.Json.Serialization;

namespace Runa.Runtime.Cgroups;

/// <summary>Source-generated serializers for cgroup stats (runc events --stats shape) and state.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(CgroupStats))]
[JsonSerializable(typeof(CgroupState))]
public sealed partial class CgroupJson : JsonSerializerContext
{
}
