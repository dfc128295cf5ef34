using Microsoft.Data.Sqlite;

namespace PosAgent.Devices.Printing;

/// <summary>A stored print job.</summary>
/// <param name="Id">The job id given to the POS.</param>
/// <param name="Bytes">The receipt's ESC/POS bytes.</param>
/// <param name="Boundaries">Command start offsets.</param>
/// <param name="State">Queued, held or completed.</param>
/// <param name="MayHavePrinted">An earlier attempt sent bytes that may have come out: reprint with a COPY mark.</param>
/// <param name="Attempts">How many times printing started.</param>
/// <param name="HeldReason">Why it is held, if it is.</param>
public sealed record PrintJob(string Id, byte[] Bytes, int[] Boundaries, PrintJobState State, bool MayHavePrinted, int Attempts, string? HeldReason);

/// <summary>
/// The durable print queue: one SQLite file (WAL, synchronous FULL), jobs in arrival order. A job
/// that was printing when the process died comes back as held with "may have printed" set.
/// Thread-safe (one connection behind a lock; every change is one short transaction).
/// </summary>
public sealed class PrintQueue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SqliteConnection _db;
    private readonly TimeProvider _time;

    /// <param name="path">The SQLite file; created with <paramref name="fileMode"/> when missing.</param>
    /// <param name="time">The clock of job times. Default the system clock.</param>
    /// <param name="fileMode">Mode of a new file on Unix. Default 0600: receipts name customers and their (masked) cards.</param>
    public PrintQueue(string path, TimeProvider? time = null, UnixFileMode fileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _time = time ?? TimeProvider.System;
        CreateFile(path, fileMode);
        SQLitePCL.Batteries_V2.Init();
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            _db.Open();
            // WAL + synchronous=FULL: a job the POS was told is queued is on disk before it hears so,
            // and survives a power cut (NORMAL could lose the last jobs; docs/operations.md Durability).
            Execute("""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = 5000;
                CREATE TABLE IF NOT EXISTS print_jobs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    bytes BLOB NOT NULL,
                    boundaries BLOB NOT NULL,
                    state TEXT NOT NULL,
                    printing INTEGER NOT NULL DEFAULT 0,
                    may_have_printed INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    held_reason TEXT,
                    created TEXT NOT NULL,
                    completed TEXT);
                CREATE INDEX IF NOT EXISTS print_jobs_open ON print_jobs(state, seq);
                UPDATE print_jobs SET state = 'held', printing = 0, may_have_printed = 1,
                    held_reason = 'interrupted by an agent restart'
                WHERE printing = 1 AND state <> 'completed';
                """);
        }
        catch (SqliteException ex)
        {
            _db.Dispose();
            throw new IOException($"Print queue '{path}' cannot be opened: {ex.Message}", ex);
        }
    }

    /// <summary>Stores a job durably and returns its id.</summary>
    public string Enqueue(Receipt receipt, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        id ??= Guid.NewGuid().ToString("N");
        var boundaries = new byte[receipt.Boundaries.Length * sizeof(int)];
        Buffer.BlockCopy(receipt.Boundaries, 0, boundaries, 0, boundaries.Length);
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT INTO print_jobs (id, bytes, boundaries, state, created) VALUES ($id, $bytes, $b, 'queued', $now)";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$bytes", receipt.Bytes);
            cmd.Parameters.AddWithValue("$b", boundaries);
            cmd.Parameters.AddWithValue("$now", _time.GetUtcNow().ToString("O"));
            try
            {
                cmd.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == 2067)
            {
                throw new ArgumentException($"A print job with id '{id}' already exists.", nameof(id), ex);
            }
        }

        return id;
    }

    /// <summary>The oldest job not yet completed, or null.</summary>
    public PrintJob? Next() => Query("WHERE state <> 'completed' ORDER BY seq LIMIT 1", null);

    /// <summary>A job by id, or null.</summary>
    public PrintJob? Get(string id) => Query("WHERE id = $id", id);

    /// <summary>Jobs not yet completed.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                using var cmd = _db.CreateCommand();
                cmd.CommandText = "SELECT COUNT(*) FROM print_jobs WHERE state <> 'completed'";
                return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Printing starts: if the process dies now, the job comes back as "may have printed".</summary>
    public void MarkPrinting(string id) =>
        Update("UPDATE print_jobs SET printing = 1, attempts = attempts + 1 WHERE id = $id", id, null);

    /// <summary>The job stops (printer not ready, interrupted, disconnected) and waits.</summary>
    public void MarkHeld(string id, string reason, bool mayHavePrinted) =>
        Update("UPDATE print_jobs SET state = 'held', printing = 0, held_reason = $r, may_have_printed = may_have_printed | $m WHERE id = $id", id, reason, mayHavePrinted);

    /// <summary>Every byte reached a ready printer.</summary>
    public void MarkCompleted(string id) =>
        Update("UPDATE print_jobs SET state = 'completed', printing = 0, held_reason = NULL, completed = $r WHERE id = $id", id, _time.GetUtcNow().ToString("O"));

    public void Dispose()
    {
        lock (_gate)
        {
            _db.Dispose();
        }
    }

    private void Update(string sql, string id, string? reason, bool flag = false)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$r", (object?)reason ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$m", flag ? 1 : 0);
            cmd.ExecuteNonQuery();
        }
    }

    private PrintJob? Query(string where, string? id)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT id, bytes, boundaries, state, may_have_printed, attempts, held_reason FROM print_jobs " + where;
            if (id is not null)
            {
                cmd.Parameters.AddWithValue("$id", id);
            }

            using var reader = cmd.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            var raw = (byte[])reader.GetValue(2);
            var boundaries = new int[raw.Length / sizeof(int)];
            Buffer.BlockCopy(raw, 0, boundaries, 0, raw.Length);
            var state = reader.GetString(3) switch
            {
                "held" => PrintJobState.Held,
                "completed" => PrintJobState.Completed,
                _ => PrintJobState.Queued,
            };
            return new PrintJob(reader.GetString(0), (byte[])reader.GetValue(1), boundaries, state, reader.GetInt64(4) != 0, reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6));
        }
    }

    /// <summary>The journal mode and synchronous level (2 = FULL) the queue runs with, as SQLite reports them: the tests hold them to the documented durability.</summary>
    public (string JournalMode, long Synchronous) StorageSettings()
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode";
            var mode = (string)cmd.ExecuteScalar()!;
            cmd.CommandText = "PRAGMA synchronous";
            return (mode, Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    // SQLite would create the file 0644; it copies the database's mode to its WAL and shm files.
    private static void CreateFile(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path) || Directory.Exists(path))
        {
            return;
        }

        try
        {
            using (new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Made by another opener in between (theirs stands), or not creatable here: opening it
            // below reports that with the queue's own message.
        }
    }
}
