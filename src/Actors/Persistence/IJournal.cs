namespace Runa.Actors.Persistence;

/// <summary>One stored event of a persistent entity (a row of event_journal).</summary>
public sealed record JournalEntry(string PersistenceId, long SequenceNr, string Manifest, DateTimeOffset Timestamp, byte[] Payload);

/// <summary>A stored snapshot: the folded state up to <see cref="SequenceNr"/>.</summary>
public sealed record SnapshotEntry(string PersistenceId, long SequenceNr, DateTimeOffset CreatedAt, string Manifest, byte[] Payload);

/// <summary>
/// An event journal in the shape of Akka.Persistence: events per persistence id with gap-free
/// sequence numbers, plus snapshots. Writing a sequence number that exists fails with
/// <see cref="JournalConflictException"/>: that is how two writers of one id (two `runa`
/// processes, or a daemon and a CLI) find out about each other.
/// </summary>
public interface IJournal : IDisposable
{
    /// <summary>Where the journal lives (for messages).</summary>
    string Location { get; }

    /// <summary>Appends events at the given sequence numbers in one transaction.</summary>
    Task WriteAsync(IReadOnlyList<JournalEntry> entries);

    /// <summary>The events of <paramref name="persistenceId"/> after <paramref name="afterSequenceNr"/>, in order.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string persistenceId, long afterSequenceNr = 0);

    /// <summary>Every persistence id that has events or a snapshot.</summary>
    Task<IReadOnlyList<string>> PersistenceIdsAsync();

    /// <summary>Removes an entity's events and snapshots (a deleted container leaves no rows).</summary>
    Task DeleteAsync(string persistenceId);

    Task SaveSnapshotAsync(SnapshotEntry snapshot);

    /// <summary>The newest snapshot, or null.</summary>
    Task<SnapshotEntry?> LoadSnapshotAsync(string persistenceId);
}

/// <summary>Someone else wrote that sequence number first.</summary>
public sealed class JournalConflictException(string persistenceId, long sequenceNr)
    : Exception($"{persistenceId}: event {sequenceNr} was written concurrently by another process")
{
    public string PersistenceId { get; } = persistenceId;

    public long SequenceNr { get; } = sequenceNr;
}

/// <summary>The journal cannot be read: refuse to go on rather than forget containers.</summary>
public sealed class JournalUnreadableException(string location, Exception inner)
    : Exception($"the state journal {location} is unreadable ({inner.Message}); refusing to continue rather than forget containers. Move it aside to start empty.", inner)
{
    public string Location { get; } = location;
}
