using Runa.Actors.Persistence;

namespace Runa.Actors.Tests.Fakes;

/// <summary>The real journal, with writes, reads or deletes made to fail on demand (a full disk, a locked file).</summary>
public sealed class FaultyJournal(IJournal inner) : IJournal
{
    /// <summary>Returns the error a write of these entries fails with, or null to write them.</summary>
    public Func<IReadOnlyList<JournalEntry>, Exception?>? WriteFault { get; set; }

    /// <summary>Returns the error a read of this persistence id fails with, or null to read it.</summary>
    public Func<string, Exception?>? ReadFault { get; set; }

    public Func<string, Exception?>? DeleteFault { get; set; }

    public string Location => inner.Location;

    public Task WriteAsync(IReadOnlyList<JournalEntry> entries) =>
        WriteFault?.Invoke(entries) is { } e ? Task.FromException(e) : inner.WriteAsync(entries);

    public Task<IReadOnlyList<JournalEntry>> ReadAsync(string persistenceId, long afterSequenceNr = 0) =>
        ReadFault?.Invoke(persistenceId) is { } e
            ? Task.FromException<IReadOnlyList<JournalEntry>>(e)
            : inner.ReadAsync(persistenceId, afterSequenceNr);

    public Task<IReadOnlyList<string>> PersistenceIdsAsync() => inner.PersistenceIdsAsync();

    public Task DeleteAsync(JournalEntry tombstone) =>
        DeleteFault?.Invoke(tombstone.PersistenceId) is { } e ? Task.FromException(e) : inner.DeleteAsync(tombstone);

    public Task SaveSnapshotAsync(SnapshotEntry snapshot) => inner.SaveSnapshotAsync(snapshot);

    public Task<SnapshotEntry?> LoadSnapshotAsync(string persistenceId) => inner.LoadSnapshotAsync(persistenceId);

    public void Dispose() => inner.Dispose();
}
