using System.Text.Json.Serialization;
using Runa.Actors.Containers;

namespace Runa.Host.Commands;

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerStateView))]
[JsonSerializable(typeof(List<ContainerStateView>))]
internal sealed partial class HostJson : JsonSerializerContext
{
}
