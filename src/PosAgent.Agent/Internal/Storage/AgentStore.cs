using Google.Protobuf;
using Microsoft.Data.Sqlite;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Storage;

/// <summary>An operation committed at the checkout, as written to the outbox.</summary>
internal sealed record OutboxOperation(
    string OperationId,
    string Kind,
    string? CardNumber,
    DateTimeOffset BusinessTime,
    TerminalTransaction Transaction,
    bool Offline,
    long EstimatedEarned,
    long EstimatedSpent);

/// <summary>An outbox row waiting for (or done with) the central service.</summary>
internal sealed record PendingOperation(
    long Sequence,
    string OperationId,
    string Kind,
    string? CardNumber,
    DateTimeOffset CreatedAt,
    byte[] Payload,
    bool Offline,
    long EstimatedEarned,
    long EstimatedSpent,
    OutboxState State,
    byte[]? Result,
    string? LastError);

internal enum OutboxState
{
    Pending = 0,
    Synced = 1,
    Parked = 2,
}

/// <summary>The central service's verdict on one operation.</summary>
internal sealed record SyncOutcome(string OperationId, OutboxState State, byte[] Result, string? Error, long OverspentPoints);

/// <summary>A cached program definition.</summary>
internal sealed record CachedProgram(string ProgramId, string Version, string DefinitionJson, DateTimeOffset FetchedAt);

/// <summary>
/// The agent's SQLite database: outbox, committed checks, the offline allowance ledger, card and
/// program caches. WAL with synchronous=FULL, so a commit is on disk (one fsync of the WAL)
/// before <see cref="Commit"/> returns. One connection behind one lock: SQLite has a single
/// writer anyway, and the statements are prepared once.
/// </summary>
internal sealed class AgentStore : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly SqliteCommand _insertOutbox;
    private readonly SqliteCommand _upsertSale;
    private readonly SqliteCommand _insertRedemption;
    private readonly SqliteCommand _markOutbox;
    private readonly SqliteCommand _confirmRedemption;
    private readonly SqliteConnection _checkpointConnection;
    private readonly Lock _checkpointGate = new();
    private bool _disposed;

    private AgentStore(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _checkpointConnection = new SqliteConnection(connection.ConnectionString);
        _time = time;
        _insertOutbox = Prepare(
            "INSERT INTO outbox(op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent) " +
            "VALUES ($op, $kind, $card, $bt, $created, $payload, 0, $offline, $earned, $spent)",
            "$op", "$kind", "$card", "$bt", "$created", "$payload", "$offline", "$earned", "$spent");
        _upsertSale = Prepare(
            "INSERT INTO sales(check_id, op_id, check_proto, committed_at) VALUES ($check, $op, $proto, $at) " +
            "ON CONFLICT(check_id) DO UPDATE SET check_proto = excluded.check_proto",
            "$check", "$op", "$proto", "$at");
        _insertRedemption = Prepare(
            "INSERT INTO offline_redemptions(op_id, card_number, points, created_at, confirmed) VALUES ($op, $card, $points, $at, 0)",
            "$op", "$card", "$points", "$at");
        _markOutbox = Prepare(
            "UPDATE outbox SET state = $state, result = $result, last_error = $error, synced_at = $at, attempts = attempts + 1 WHERE op_id = $op AND state = 0",
            "$state", "$result", "$error", "$at", "$op");
        _confirmRedemption = Prepare(
            "UPDATE offline_redemptions SET confirmed = 1, overspent = $over WHERE op_id = $op",
            "$over", "$op");
    }

    public static AgentStore Open(string path, TimeProvider time)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // Checkpoints are run by Checkpoint() from the sync worker; the automatic one stays as
            // a safety net only (40 MB of WAL), so a commit rarely pays for copying pages back.
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=10000;");
            Migrate(connection);
            return new AgentStore(connection, time);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Migrate(SqliteConnection connection)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"The agent database has schema version {version}, newer than this agent understands ({SchemaVersion}); upgrade the agent.");
        }

        if (version == SchemaVersion)
        {
            return;
        }

        using var tx = connection.BeginTransaction();
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                op_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                card_number TEXT,
                business_time INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                payload BLOB NOT NULL,
                state INTEGER NOT NULL,
                offline INTEGER NOT NULL,
                est_earned INTEGER NOT NULL,
                est_spent INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                result BLOB,
                synced_at INTEGER
            );
            CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, seq);
            CREATE TABLE IF NOT EXISTS sales (
                check_id TEXT PRIMARY KEY,
                op_id TEXT NOT NULL UNIQUE,
                check_proto BLOB NOT NULL,
                committed_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS offline_redemptions (
                op_id TEXT PRIMARY KEY,
                card_number TEXT NOT NULL,
                points INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                confirmed INTEGER NOT NULL,
                overspent INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS offline_redemptions_card ON offline_redemptions(card_number, confirmed);
            CREATE TABLE IF NOT EXISTS card_cache (
                card_number TEXT PRIMARY KEY,
                snapshot BLOB NOT NULL,
                fetched_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS programs (
                program_id TEXT PRIMARY KEY,
                version TEXT NOT NULL,
                definition TEXT NOT NULL,
                fetched_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            """);
        Execute(connection, $"PRAGMA user_version = {SchemaVersion}");
        tx.Commit();
    }

    /// <summary>
    /// Writes a committed operation durably, in one transaction with the committed check (sales,
    /// refunds) and the points spent offline against the card's allowance.
    /// </summary>
    public void Commit(OutboxOperation operation, Check? check, long offlineRedeemedPoints)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction();
            Run(_insertOutbox, tx,
                operation.OperationId,
                operation.Kind,
                (object?)operation.CardNumber ?? DBNull.Value,
                operation.BusinessTime.ToUnixTimeMilliseconds(),
                now,
                operation.Transaction.ToByteArray(),
                operation.Offline ? 1 : 0,
                operation.EstimatedEarned,
                operation.EstimatedSpent);
            if (check is not null)
            {
                Run(_upsertSale, tx, check.CheckId, check.OperationId, check.ToByteArray(), now);
            }

            if (offlineRedeemedPoints > 0)
            {
                Run(_insertRedemption, tx, operation.OperationId, operation.CardNumber ?? string.Empty, offlineRedeemedPoints, now);
            }

            tx.Commit();
        }
    }

    /// <summary>Writes many operations in one transaction (imports, and seeding a backlog in benchmarks).</summary>
    public void CommitMany(IReadOnlyList<OutboxOperation> operations)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction();
            foreach (var operation in operations)
            {
                Run(_insertOutbox, tx, operation.OperationId, operation.Kind, (object?)operation.CardNumber ?? DBNull.Value,
                    operation.BusinessTime.ToUnixTimeMilliseconds(), now, operation.Transaction.ToByteArray(),
                    operation.Offline ? 1 : 0, operation.EstimatedEarned, operation.EstimatedSpent);
            }

            tx.Commit();
        }
    }

    /// <summary>The oldest pending operations, in commit order.</summary>
    public IReadOnlyList<PendingOperation> ReadPending(int limit) =>
        Query("SELECT seq, op_id, kind, card_number, created_at, payload, offline, est_earned, est_spent, state, result, last_error FROM outbox WHERE state = 0 ORDER BY seq LIMIT $limit",
            ReadOperation, ("$limit", limit));

    public PendingOperation? FindOperation(string operationId) =>
        Query("SELECT seq, op_id, kind, card_number, created_at, payload, offline, est_earned, est_spent, state, result, last_error FROM outbox WHERE op_id = $op",
            ReadOperation, ("$op", operationId)).FirstOrDefault();

    /// <summary>Operations rejected for good by the central service.</summary>
    public IReadOnlyList<PendingOperation> ReadParked(int limit) =>
        Query("SELECT seq, op_id, kind, card_number, created_at, payload, offline, est_earned, est_spent, state, result, last_error FROM outbox WHERE state = 2 ORDER BY seq LIMIT $limit",
            ReadOperation, ("$limit", limit));

    /// <summary>
    /// Records the central service's verdicts, in one transaction; confirms offline redemptions.
    /// Only pending rows change; returns how many became synced and parked.
    /// </summary>
    public (int Synced, int Parked, long Overspent) RecordOutcomes(IReadOnlyList<SyncOutcome> outcomes)
    {
        int synced = 0, parked = 0;
        long overspent = 0;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction();
            foreach (var outcome in outcomes)
            {
                if (Run(_markOutbox, tx, (int)outcome.State, outcome.Result, (object?)outcome.Error ?? DBNull.Value, now, outcome.OperationId) == 0)
                {
                    continue;
                }

                if (outcome.State == OutboxState.Synced)
                {
                    synced++;
                }
                else
                {
                    parked++;
                }

                overspent += outcome.OverspentPoints;
                Run(_confirmRedemption, tx, outcome.OverspentPoints, outcome.OperationId);
            }

            tx.Commit();
        }

        return (synced, parked, overspent);
    }

    /// <summary>Counts of pending and parked operations, and when the oldest pending one was committed.</summary>
    public (long Pending, long Parked, DateTimeOffset? OldestPending) CountOutbox()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            // Commit order is seq order, so the oldest pending row is the first by seq (an index seek).
            command.CommandText = "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 0), (SELECT COUNT(*) FROM outbox WHERE state = 2), (SELECT created_at FROM outbox WHERE state = 0 ORDER BY seq LIMIT 1)";
            using var reader = command.ExecuteReader();
            reader.Read();
            DateTimeOffset? oldest = reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
            return (reader.GetInt64(0), reader.GetInt64(1), oldest);
        }
    }

    /// <summary>Points this terminal spent offline on a card that the central service has not yet confirmed.</summary>
    public long UnconfirmedOfflinePoints(string cardNumber) =>
        Query("SELECT COALESCE(SUM(points), 0) FROM offline_redemptions WHERE card_number = $card AND confirmed = 0",
            r => r.GetInt64(0), ("$card", cardNumber))[0];

    /// <summary>Exposure: unconfirmed offline points, cards they were spent on, and overspend the central service reported.</summary>
    public (long Points, int Cards, long Overspent) OfflineExposure() =>
        Query("SELECT COALESCE(SUM(CASE WHEN confirmed = 0 THEN points END), 0), COUNT(DISTINCT CASE WHEN confirmed = 0 THEN card_number END), COALESCE(SUM(overspent), 0) FROM offline_redemptions",
            r => (r.GetInt64(0), r.GetInt32(1), r.GetInt64(2)))[0];

    public (Check Check, string OperationId)? FindSale(string? checkId, string? operationId)
    {
        var rows = checkId is { Length: > 0 }
            ? Query("SELECT check_proto, op_id FROM sales WHERE check_id = $id", ReadSale, ("$id", checkId))
            : Query("SELECT check_proto, op_id FROM sales WHERE op_id = $id", ReadSale, ("$id", operationId ?? string.Empty));
        return rows.Count == 0 ? null : rows[0];
    }

    public void PutCard(CardSnapshot snapshot) => PutCards([snapshot]);

    /// <summary>Caches card snapshots, in one transaction.</summary>
    public void PutCards(IReadOnlyCollection<CardSnapshot> snapshots)
    {
        if (snapshots.Count == 0)
        {
            return;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "INSERT INTO card_cache(card_number, snapshot, fetched_at) VALUES ($card, $snap, $at) ON CONFLICT(card_number) DO UPDATE SET snapshot = excluded.snapshot, fetched_at = excluded.fetched_at";
            var card = command.Parameters.Add(new SqliteParameter { ParameterName = "$card" });
            var snap = command.Parameters.Add(new SqliteParameter { ParameterName = "$snap" });
            command.Parameters.AddWithValue("$at", now);
            foreach (var snapshot in snapshots)
            {
                card.Value = snapshot.CardNumber;
                snap.Value = snapshot.ToByteArray();
                command.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }

    public IReadOnlyList<CardSnapshot> LoadCards() =>
        Query("SELECT snapshot FROM card_cache", r => CardSnapshot.Parser.ParseFrom((byte[])r[0]));

    public void PutProgram(CachedProgram program)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO programs(program_id, version, definition, fetched_at) VALUES ($id, $v, $def, $at) ON CONFLICT(program_id) DO UPDATE SET version = excluded.version, definition = excluded.definition, fetched_at = excluded.fetched_at";
            command.Parameters.AddWithValue("$id", program.ProgramId);
            command.Parameters.AddWithValue("$v", program.Version);
            command.Parameters.AddWithValue("$def", program.DefinitionJson);
            command.Parameters.AddWithValue("$at", program.FetchedAt.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<CachedProgram> LoadPrograms() =>
        Query("SELECT program_id, version, definition, fetched_at FROM programs",
            r => new CachedProgram(r.GetString(0), r.GetString(1), r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))));

    public string? GetMeta(string key) =>
        Query("SELECT value FROM meta WHERE key = $k", r => r.GetString(0), ("$k", key)).FirstOrDefault();

    public void SetMeta(string key, string value)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$k", key);
            command.Parameters.AddWithValue("$v", value);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Deletes synced operations (and their checks) older than the retention; pending and parked ones stay.</summary>
    public int PruneSynced(DateTimeOffset olderThan)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = tx;
            command.Parameters.AddWithValue("$before", olderThan.ToUnixTimeMilliseconds());
            command.CommandText = "DELETE FROM sales WHERE committed_at < $before AND op_id IN (SELECT op_id FROM outbox WHERE state = 1)";
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM offline_redemptions WHERE confirmed = 1 AND created_at < $before";
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM outbox WHERE state = 1 AND synced_at < $before";
            var deleted = command.ExecuteNonQuery();
            tx.Commit();
            return deleted;
        }
    }

    /// <summary>Copies committed WAL pages into the database file (PASSIVE: never waits for the writer).</summary>
    public void Checkpoint()
    {
        lock (_checkpointGate)
        {
            if (_disposed)
            {
                return;
            }

            if (_checkpointConnection.State != System.Data.ConnectionState.Open)
            {
                _checkpointConnection.Open();
                Execute(_checkpointConnection, "PRAGMA busy_timeout=0;");
            }

            try
            {
                Execute(_checkpointConnection, "PRAGMA wal_checkpoint(PASSIVE);");
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 5)
            {
                // Busy: the next pass checkpoints.
            }
        }
    }

    public void Dispose()
    {
        lock (_checkpointGate)
        {
            _checkpointConnection.Dispose();
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _insertOutbox.Dispose();
            _upsertSale.Dispose();
            _insertRedemption.Dispose();
            _markOutbox.Dispose();
            _confirmRedemption.Dispose();
            _connection.Dispose();
        }
    }

    private static PendingOperation ReadOperation(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
        (byte[])r[5],
        r.GetInt64(6) != 0,
        r.GetInt64(7),
        r.GetInt64(8),
        (OutboxState)r.GetInt32(9),
        r.IsDBNull(10) ? null : (byte[])r[10],
        r.IsDBNull(11) ? null : r.GetString(11));

    private static (Check, string) ReadSale(SqliteDataReader r) => (Check.Parser.ParseFrom((byte[])r[0]), r.GetString(1));

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object Value)[] parameters)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static int Run(SqliteCommand command, SqliteTransaction tx, params object[] values)
    {
        command.Transaction = tx;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
