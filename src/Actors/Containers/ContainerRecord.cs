using System.Text.Json;
using Runa.Actors.Persistence;
using Runa.Runtime.Cgroups;

namespace Runa.Actors.Containers;

/// <summary>
/// Everything the journal knows about one container: the fold of its events. The status it
/// shows is derived from this plus the kernel (see <see cref="ContainerStatus"/>).
/// </summary>
public sealed record ContainerRecord
{
    public required string Id { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    public required string StateDir { get; init; }
    public required string Config { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public string? OciVersion { get; init; }
    public DateTimeOffset Created { get; init; }
    public int CreatorPid { get; init; }
    public ulong CreatorStartTime { get; init; }
    public string Owner { get; init; } = "root";
    public int Pid { get; init; }
    public ulong StartTime { get; init; }
    public CgroupState? Cgroup { get; init; }
    public bool CreateCompleted { get; init; }
    public bool Started { get; init; }
    public bool Paused { get; init; }
    public ContainerExited? Exit { get; init; }
    public long SequenceNr { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string ExecFifo => Path.Combine(StateDir, "exec.fifo");

    public static string PersistenceIdOf(string id) => "container-" + id;

    public static string? IdOf(string persistenceId) =>
        persistenceId.StartsWith("container-", StringComparison.Ordinal) ? persistenceId["container-".Length..] : null;

    public ContainerRecord Apply(ContainerEvent e, long sequenceNr) => (e switch
    {
        ContainerCreated c => this with { Pid = c.Pid, StartTime = c.StartTime, Cgroup = c.Cgroup, CreateCompleted = true },
        ContainerStarted => this with { Started = true },
        ContainerPaused => this with { Paused = true },
        ContainerResumed => this with { Paused = false },
        ContainerExited x => this with { Exit = x, Paused = false },
        _ => this,
    }) with { SequenceNr = sequenceNr };

    public static ContainerRecord From(ContainerCreating c, long sequenceNr) => new()
    {
        Id = c.Id,
        Bundle = c.Bundle,
        Rootfs = c.Rootfs,
        StateDir = c.StateDir,
        Config = c.Config,
        Annotations = c.Annotations,
        OciVersion = c.OciVersion,
        Created = c.At,
        CreatorPid = c.CreatorPid,
        CreatorStartTime = c.CreatorStartTime,
        Owner = c.Owner,
        SequenceNr = sequenceNr,
    };

    /// <summary>The record from a snapshot (if any) plus the events after it; null when neither exists.</summary>
    public static ContainerRecord? Recover(SnapshotEntry? snapshot, IEnumerable<JournalEntry> events)
    {
        var record = snapshot is null ? null : JsonSerializer.Deserialize(snapshot.Payload, ContainerEventJson.Default.ContainerRecord);
        foreach (var entry in events)
        {
            var e = Deserialize(entry.Payload);
            record = e switch
            {
                ContainerCreating c => From(c, entry.SequenceNr),
                ContainerDeleted => null,
                _ => record?.Apply(e, entry.SequenceNr),
            };
        }
        return record;
    }

    public SnapshotEntry ToSnapshot(string persistenceId) =>
        new(persistenceId, SequenceNr, DateTimeOffset.UtcNow, nameof(ContainerRecord),
            JsonSerializer.SerializeToUtf8Bytes(this, ContainerEventJson.Default.ContainerRecord));

    public static byte[] Serialize(ContainerEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, ContainerEventJson.Default.ContainerEvent);

    public static ContainerEvent Deserialize(byte[] payload) =>
        JsonSerializer.Deserialize(payload, ContainerEventJson.Default.ContainerEvent)
        ?? throw new InvalidDataException("a null container event in the journal");
}
