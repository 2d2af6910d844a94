using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Runa.Actors.Persistence;

/// <summary>
/// <see cref="IJournal"/> on a SQLite file in WAL mode, with Akka.Persistence.Sqlite's table
/// layout (event_journal, snapshot). Several processes may use one file: writes are
/// transactions, a busy database is waited for, and the UNIQUE (persistence_id, sequence_nr)
/// constraint turns a lost race into a <see cref="JournalConflictException"/>.
/// All I/O runs on one dedicated thread, so callers (actors) never block a pool thread.
/// </summary>
public sealed class SqliteJournal : IJournal
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS event_journal (
            ordering INTEGER PRIMARY KEY NOT NULL,
            persistence_id VARCHAR(255) NOT NULL,
            sequence_nr INTEGER(8) NOT NULL,
            is_deleted INTEGER(1) NOT NULL DEFAULT 0,
            manifest VARCHAR(255) NULL,
            timestamp INTEGER NOT NULL,
            payload BLOB NOT NULL,
            tags VARCHAR(2000) NULL,
            serializer_id INTEGER(4) NULL,
            UNIQUE (persistence_id, sequence_nr));
        CREATE INDEX IF NOT EXISTS event_journal_deleted ON event_journal (persistence_id, timestamp) WHERE is_deleted = 1;
        CREATE INDEX IF NOT EXISTS event_journal_deleted_at ON event_journal (timestamp) WHERE is_deleted = 1;
        CREATE TABLE IF NOT EXISTS snapshot (
            persistence_id VARCHAR(255) NOT NULL,
            sequence_nr INTEGER(8) NOT NULL,
            created_at INTEGER(8) NOT NULL,
            manifest VARCHAR(255) NOT NULL,
            payload BLOB NOT NULL,
            serializer_id INTEGER(4) NULL,
            PRIMARY KEY (persistence_id, sequence_nr));
        """;

    /// <summary>How long the history of a deleted entity is kept (for post-mortems) before it is purged.</summary>
    public static readonly TimeSpan DefaultDeletedRetention = TimeSpan.FromDays(7);

    private readonly SqliteConnection _connection;
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly TimeSpan _deletedRetention;

    private SqliteJournal(string path, SqliteConnection connection, TimeSpan deletedRetention)
    {
        Location = path;
        _connection = connection;
        _deletedRetention = deletedRetention;
        _thread = new Thread(Run) { IsBackground = true, Name = "runa-journal" };
        _thread.Start();
    }

    public string Location { get; }

    /// <summary>
    /// Opens (creating if needed) the journal; an unreadable file is a <see cref="JournalUnreadableException"/>.
    /// <paramref name="verify"/> also runs SQLite's integrity check, which reads the whole file:
    /// right for a daemon that starts once, too slow for every CLI command. Deleted history older
    /// than <paramref name="deletedRetention"/> (default 7 days) is purged on every delete.
    /// </summary>
    public static SqliteJournal Open(string path, bool verify = false, TimeSpan? deletedRetention = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            connection.Open();
            Exec(connection, "PRAGMA busy_timeout = 30000;");
            // WAL: readers never wait for the writer; NORMAL is durable against a crash of the process.
            Exec(connection, "PRAGMA journal_mode = WAL;");
            Exec(connection, "PRAGMA synchronous = NORMAL;");
            Exec(connection, Schema);
            if (verify)
            {
                using var check = connection.CreateCommand();
                check.CommandText = "PRAGMA quick_check;";
                var result = check.ExecuteScalar() as string;
                if (result != "ok")
                {
                    throw new InvalidDataException($"integrity check: {result}");
                }
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidDataException)
        {
            connection.Dispose();
            throw new JournalUnreadableException(path, e);
        }
        return new SqliteJournal(path, connection, deletedRetention ?? DefaultDeletedRetention);
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public Task WriteAsync(IReadOnlyList<JournalEntry> entries) => Submit(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        foreach (var e in entries)
        {
            if (e.SequenceNr == 1)
            {
                // A new incarnation: the tombstoned history of the previous one makes way, inside
                // this transaction, so (id, 1) is where two racing creates still collide.
                ExecIn(tx, "DELETE FROM event_journal WHERE persistence_id = $id AND is_deleted = 1;", ("$id", e.PersistenceId));
            }
            Append(tx, e);
        }
        tx.Commit();
        return true;
    });

    /// <summary>
    /// Inserts one event; it must continue the live history of its id (or start one at 1), so a
    /// writer that read the id before it was deleted conflicts instead of reviving it with a stray row.
    /// </summary>
    private void Append(SqliteTransaction tx, JournalEntry e)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO event_journal (persistence_id, sequence_nr, is_deleted, manifest, timestamp, payload)
            SELECT $id, $seq, 0, $manifest, $ts, $payload
            WHERE $seq = 1 OR EXISTS (SELECT 1 FROM event_journal
                WHERE persistence_id = $id AND sequence_nr = $seq - 1 AND is_deleted = 0);
            """;
        cmd.Parameters.AddWithValue("$id", e.PersistenceId);
        cmd.Parameters.AddWithValue("$seq", e.SequenceNr);
        cmd.Parameters.AddWithValue("$manifest", e.Manifest);
        cmd.Parameters.AddWithValue("$ts", e.Timestamp.ToUnixTimeMilliseconds());
        cmd.Parameters.Add("$payload", SqliteType.Blob).Value = e.Payload;
        try
        {
            if (cmd.ExecuteNonQuery() == 0)
            {
                throw new JournalConflictException(e.PersistenceId, e.SequenceNr);
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
        {
            throw new JournalConflictException(e.PersistenceId, e.SequenceNr);
        }
    }

    private void ExecIn(SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        cmd.ExecuteNonQuery();
    }

    public Task<IReadOnlyList<JournalEntry>> ReadAsync(string persistenceId, long afterSequenceNr = 0) => Submit<IReadOnlyList<JournalEntry>>(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT sequence_nr, manifest, timestamp, payload FROM event_journal
            WHERE persistence_id = $id AND sequence_nr > $after AND is_deleted = 0 ORDER BY sequence_nr;
            """;
        cmd.Parameters.AddWithValue("$id", persistenceId);
        cmd.Parameters.AddWithValue("$after", afterSequenceNr);
        using var r = cmd.ExecuteReader();
        var list = new List<JournalEntry>();
        while (r.Read())
        {
            list.Add(new JournalEntry(persistenceId, r.GetInt64(0), r.IsDBNull(1) ? "" : r.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), (byte[])r[3]));
        }
        return list;
    });

    public Task<IReadOnlyList<string>> PersistenceIdsAsync() => Submit<IReadOnlyList<string>>(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT persistence_id FROM event_journal WHERE is_deleted = 0
            UNION SELECT persistence_id FROM snapshot ORDER BY 1;
            """;
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            list.Add(r.GetString(0));
        }
        return list;
    });

    public Task DeleteAsync(JournalEntry tombstone) => Submit(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        Append(tx, tombstone);
        ExecIn(tx, "UPDATE event_journal SET is_deleted = 1 WHERE persistence_id = $id;", ("$id", tombstone.PersistenceId));
        ExecIn(tx, "DELETE FROM snapshot WHERE persistence_id = $id;", ("$id", tombstone.PersistenceId));
        PurgeDeleted(tx);
        tx.Commit();
        return true;
    });

    /// <summary>
    /// Bounds the kept history: drops every deleted incarnation whose tombstone (its newest row)
    /// is older than the retention. An id holds at most one deleted incarnation (a create clears it).
    /// </summary>
    private void PurgeDeleted(SqliteTransaction? tx)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        // Runs on every delete: it starts from the rows older than the cutoff (a range of the
        // timestamp index, usually empty), never from all of the kept history, which grouping
        // every deleted id by its newest row did (33 ms per delete at 50,000 deleted containers).
        cmd.CommandText = """
            DELETE FROM event_journal WHERE is_deleted = 1 AND persistence_id IN (
                SELECT old.persistence_id FROM event_journal old
                WHERE old.is_deleted = 1 AND old.timestamp < $cutoff
                AND NOT EXISTS (SELECT 1 FROM event_journal newer WHERE newer.persistence_id = old.persistence_id
                    AND newer.is_deleted = 1 AND newer.timestamp >= $cutoff));
            """;
        cmd.Parameters.AddWithValue("$cutoff", (DateTimeOffset.UtcNow - _deletedRetention).ToUnixTimeMilliseconds());
        cmd.ExecuteNonQuery();
    }

    public Task SaveSnapshotAsync(SnapshotEntry snapshot) => Submit(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            INSERT OR REPLACE INTO snapshot (persistence_id, sequence_nr, created_at, manifest, payload)
            VALUES ($id, $seq, $at, $manifest, $payload);
            """;
        cmd.Parameters.AddWithValue("$id", snapshot.PersistenceId);
        cmd.Parameters.AddWithValue("$seq", snapshot.SequenceNr);
        cmd.Parameters.AddWithValue("$at", snapshot.CreatedAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$manifest", snapshot.Manifest);
        cmd.Parameters.AddWithValue("$payload", snapshot.Payload);
        cmd.ExecuteNonQuery();
        return true;
    });

    public Task<SnapshotEntry?> LoadSnapshotAsync(string persistenceId) => Submit(() =>
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT sequence_nr, created_at, manifest, payload FROM snapshot
            WHERE persistence_id = $id ORDER BY sequence_nr DESC LIMIT 1;
            """;
        cmd.Parameters.AddWithValue("$id", persistenceId);
        using var r = cmd.ExecuteReader();
        return r.Read()
            ? new SnapshotEntry(persistenceId, r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2), (byte[])r[3])
            : null;
    });

    private Task<T> Submit<T>(Func<T> work)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    tcs.SetResult(work());
                }
                catch (Exception e)
                {
                    tcs.SetException(e);
                }
            });
        }
        catch (InvalidOperationException)
        {
            tcs.SetException(new ObjectDisposedException(nameof(SqliteJournal), $"the journal {Location} is closed"));
        }
        return tcs.Task;
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _connection.Dispose();
        _work.Dispose();
    }
}
