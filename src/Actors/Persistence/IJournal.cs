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

    /// <summary>
    /// Appends events at the given sequence numbers in one transaction. An entry at sequence 1
    /// starts a new incarnation of its id: the same transaction first drops the logically deleted
    /// rows of a previous one, so two racing creates still meet on (id, 1) and one conflicts.
    /// </summary>
    Task WriteAsync(IReadOnlyList<JournalEntry> entries);

    /// <summary>The events of <paramref name="persistenceId"/> after <paramref name="afterSequenceNr"/>, in order.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string persistenceId, long afterSequenceNr = 0);

    /// <summary>Every persistence id that has events (not deleted) or a snapshot.</summary>
    Task<IReadOnlyList<string>> PersistenceIdsAsync();

    /// <summary>
    /// Ends an entity, in one transaction: appends <paramref name="tombstone"/> at its sequence
    /// number (a conflict if someone wrote it first), marks every event of its id deleted (Akka's
    /// logical delete: kept as history, invisible to reads) and removes its snapshots. Deleted
    /// history older than the journal's retention is purged.
    /// </summary>
    Task DeleteAsync(JournalEntry tombstone);

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
