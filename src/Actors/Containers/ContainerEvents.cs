using System.Text.Json.Serialization;
using Runa.Runtime.Cgroups;

namespace Runa.Actors.Containers;

/// <summary>What happened to a container, as journaled (persistence id "container-&lt;id&gt;").</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$event")]
[JsonDerivedType(typeof(ContainerCreating), "creating")]
[JsonDerivedType(typeof(ContainerCreated), "created")]
[JsonDerivedType(typeof(ContainerStarted), "started")]
[JsonDerivedType(typeof(ContainerPaused), "paused")]
[JsonDerivedType(typeof(ContainerResumed), "resumed")]
[JsonDerivedType(typeof(ContainerExited), "exited")]
[JsonDerivedType(typeof(ContainerDeleted), "deleted")]
public abstract record ContainerEvent
{
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// The id is taken (the first event, sequence 1, so a second create of the id loses the race in
/// the journal); the creating process is recorded so that a create that died midway reads as stopped.
/// </summary>
public sealed record ContainerCreating(
    string Id,
    string Bundle,
    string Rootfs,
    string StateDir,
    Dictionary<string, string>? Annotations,
    string Config,
    int CreatorPid,
    ulong CreatorStartTime,
    string Owner) : ContainerEvent
{
    /// <summary>The config's ociVersion, which `state` reports as runc does (null in entries journaled before it was kept).</summary>
    public string? OciVersion { get; init; }
}

/// <summary>The init runs and waits for start.</summary>
public sealed record ContainerCreated(int Pid, ulong StartTime, CgroupState? Cgroup) : ContainerEvent;

public sealed record ContainerStarted : ContainerEvent;

public sealed record ContainerPaused : ContainerEvent;

public sealed record ContainerResumed : ContainerEvent;

/// <summary>The init exited and somebody saw how (null fields: the exit was seen but not its status).</summary>
public sealed record ContainerExited(int? ExitCode, int? Signal, bool OomKilled = false) : ContainerEvent;

/// <summary>
/// The container is gone (deleted, or a failed or abandoned create cleaned up): its last event,
/// journaled together with the logical delete of its history.
/// </summary>
public sealed record ContainerDeleted(string Reason) : ContainerEvent;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerEvent))]
[JsonSerializable(typeof(CgroupState))]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class ContainerEventJson : JsonSerializerContext
{
}
