using Microsoft.Data.Sqlite;

namespace Runa.Actors.Tests;

/// <summary>One raw row of event_journal, as a second reader of the file sees it (deleted rows included).</summary>
public sealed record JournalRow(long SequenceNr, string Manifest, bool IsDeleted);

public static class JournalRows
{
    /// <summary>Every row of <paramref name="persistenceId"/>, deleted or not, in sequence order.</summary>
    public static IReadOnlyList<JournalRow> Of(string journalPath, string persistenceId)
    {
        using var c = Connect(journalPath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sequence_nr, manifest, is_deleted FROM event_journal WHERE persistence_id = $id ORDER BY sequence_nr;";
        cmd.Parameters.AddWithValue("$id", persistenceId);
        using var r = cmd.ExecuteReader();
        var rows = new List<JournalRow>();
        while (r.Read())
        {
            rows.Add(new JournalRow(r.GetInt64(0), r.GetString(1), r.GetInt64(2) != 0));
        }
        return rows;
    }

    public static long Snapshots(string journalPath, string persistenceId)
    {
        using var c = Connect(journalPath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM snapshot WHERE persistence_id = $id;";
        cmd.Parameters.AddWithValue("$id", persistenceId);
        return (long)cmd.ExecuteScalar()!;
    }

    private static SqliteConnection Connect(string journalPath)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journalPath, Pooling = false }.ToString());
        c.Open();
        return c;
    }
}
