using System.Text.Json.Serialization;
using Runa.Actors.Containers;

namespace Runa.Host.Commands;

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerStateView))]
[JsonSerializable(typeof(List<ContainerStateView>))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(Runtime.Oci.LinuxResources))]
internal sealed partial class HostJson : JsonSerializerContext
{
}
