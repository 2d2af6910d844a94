using System.Text.Json.Serialization;
using Runa.Actors.Containers;

namespace Runa.Host.Transport;

/// <summary>Source-generated JSON for everything on the wire (no reflection).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(SafeFdJsonConverter)])]
[JsonSerializable(typeof(Hello))]
[JsonSerializable(typeof(Welcome))]
[JsonSerializable(typeof(Refusal))]
[JsonSerializable(typeof(WireFailure))]
[JsonSerializable(typeof(WireLog))]
[JsonSerializable(typeof(CreateContainer))]
[JsonSerializable(typeof(StartContainer))]
[JsonSerializable(typeof(GetContainerState))]
[JsonSerializable(typeof(KillContainer))]
[JsonSerializable(typeof(DeleteContainer))]
[JsonSerializable(typeof(WaitContainer))]
[JsonSerializable(typeof(ListContainers))]
[JsonSerializable(typeof(ContainerCreatedReply))]
[JsonSerializable(typeof(ContainerExitedReply))]
[JsonSerializable(typeof(ContainerList))]
[JsonSerializable(typeof(ContainerStateView))]
[JsonSerializable(typeof(Done))]
[JsonSerializable(typeof(PauseContainer))]
[JsonSerializable(typeof(ResumeContainer))]
[JsonSerializable(typeof(UpdateContainer))]
[JsonSerializable(typeof(ContainerUpdatedReply))]
[JsonSerializable(typeof(GetContainerPids))]
[JsonSerializable(typeof(ContainerPidsReply))]
[JsonSerializable(typeof(GetContainerStats))]
[JsonSerializable(typeof(SubscribeEvents))]
[JsonSerializable(typeof(ContainerEventNotice))]
[JsonSerializable(typeof(ExecInContainer))]
[JsonSerializable(typeof(ExecStartedReply))]
[JsonSerializable(typeof(WaitExec))]
[JsonSerializable(typeof(ExecExitedReply))]
[JsonSerializable(typeof(SignalExec))]
public sealed partial class WireJson : JsonSerializerContext
{
}
