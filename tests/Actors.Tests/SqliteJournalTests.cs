using Runa.Actors.Persistence;
using Xunit;

namespace Runa.Actors.Tests;

/// <summary>The journal's logical delete on its own: tombstones, conflicts after a delete, the retention.</summary>
public sealed class SqliteJournalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "runa-journal-tests", Guid.NewGuid().ToString("N")[..12]);
    private readonly List<SqliteJournal> _journals = [];

    public SqliteJournalTests() => Directory.CreateDirectory(_dir);

    private string DbPath => Path.Combine(_dir, "runa.db");

    private SqliteJournal Open(TimeSpan? retention = null)
    {
        var j = SqliteJournal.Open(DbPath, deletedRetention: retention);
        _journals.Add(j);
        return j;
    }

    private static JournalEntry Entry(string pid, long seq, string manifest = "E", DateTimeOffset? at = null) =>
        new(pid, seq, manifest, at ?? DateTimeOffset.UtcNow, [1, 2, 3]);

    [Fact]
    public async Task A_writer_that_read_the_id_before_its_delete_conflicts_instead_of_reviving_it()
    {
        var j = Open();
        await j.WriteAsync([Entry("a", 1), Entry("a", 2)]);
        await j.DeleteAsync(Entry("a", 3, "Deleted"));

        // The stale writer's next number is taken by the tombstone; the one after has no live predecessor.
        await Assert.ThrowsAsync<JournalConflictException>(() => j.WriteAsync([Entry("a", 3)]));
        await Assert.ThrowsAsync<JournalConflictException>(() => j.WriteAsync([Entry("a", 4)]));
        Assert.Empty(await j.ReadAsync("a"));
        Assert.DoesNotContain("a", await j.PersistenceIdsAsync());
        Assert.All(JournalRows.Of(DbPath, "a"), r => Assert.True(r.IsDeleted));
    }

    [Fact]
    public async Task A_delete_that_lost_the_race_for_its_sequence_number_deletes_nothing()
    {
        var j = Open();
        await j.WriteAsync([Entry("a", 1), Entry("a", 2)]);
        await Assert.ThrowsAsync<JournalConflictException>(() => j.DeleteAsync(Entry("a", 2, "Deleted")));
        Assert.Equal([1L, 2L], (await j.ReadAsync("a")).Select(e => e.SequenceNr));
    }

    [Fact]
    public async Task Two_first_writes_of_a_deleted_id_conflict_through_two_connections()
    {
        var a = Open();
        var b = Open();
        await a.WriteAsync([Entry("x", 1)]);
        await a.DeleteAsync(Entry("x", 2, "Deleted"));

        var writes = new[] { a.WriteAsync([Entry("x", 1, "A")]), b.WriteAsync([Entry("x", 1, "B")]) };
        var outcome = await Task.WhenAll(writes.Select(w => w.ContinueWith(t => t.Exception?.GetBaseException(), TaskScheduler.Default)));

        Assert.Single(outcome, e => e is null);
        Assert.Single(outcome, e => e is JournalConflictException);
        var rows = JournalRows.Of(DbPath, "x");
        var row = Assert.Single(rows);
        Assert.False(row.IsDeleted);
        Assert.Equal(outcome[0] is null ? "A" : "B", row.Manifest);
    }

    [Fact]
    public async Task Deleted_history_older_than_the_retention_is_purged_and_newer_is_kept()
    {
        var j = Open(TimeSpan.FromHours(1));
        var old = DateTimeOffset.UtcNow.AddHours(-2);
        await j.WriteAsync([Entry("old", 1, at: old.AddMinutes(-5))]);
        await j.DeleteAsync(Entry("old", 2, "Deleted", old));
        await j.WriteAsync([Entry("new", 1)]);
        await j.DeleteAsync(Entry("new", 2, "Deleted"));
        // A live id's rows are never purged, however old.
        await j.WriteAsync([Entry("live", 1, at: old)]);

        Assert.Empty(JournalRows.Of(DbPath, "old"));
        Assert.Equal([new(1, "E", true), new JournalRow(2, "Deleted", true)], JournalRows.Of(DbPath, "new"));
        Assert.Single(await j.ReadAsync("live"));
    }

    public void Dispose()
    {
        foreach (var j in _journals)
        {
            j.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }
}
