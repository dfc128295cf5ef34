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
    long EstimatedSpent)
{
    /// <summary>
    /// A sale (or its refund) without a loyalty card: kept for receipts and refunds, never sent. The
    /// central service keeps loyalty accounts only, and most checkouts have no card.
    /// </summary>
    public bool LocalOnly { get; init; }
}

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

    /// <summary>
    /// Refused by the central service while the POS waited for the answer (a rewards exchange):
    /// the POS was told, so it is final and no alarm (neither pending nor parked).
    /// </summary>
    Refused = 3,
}

/// <summary>The central service's verdict on one operation.</summary>
internal sealed record SyncOutcome(string OperationId, OutboxState State, byte[] Result, string? Error, long OverspentPoints);

/// <summary>An open check as kept across restarts: the check, the full card number, where its snapshot came from, the next line id.</summary>
internal sealed record OpenCheckRecord(Check Check, string? CardNumber, bool CardFromCentral, int NextLine);

/// <summary>A cached program definition.</summary>
internal sealed record CachedProgram(string ProgramId, string Version, string DefinitionJson, DateTimeOffset FetchedAt);

/// <summary>
/// The agent's SQLite database: outbox, committed checks, the offline allowance ledger, card and
/// program caches. WAL with synchronous=FULL, so a commit is on disk (one fsync of the WAL)
/// before <see cref="Commit"/> returns. One connection behind one lock: SQLite has a single
/// writer anyway, and the statements are prepared once. Open checks live in a second database
/// file beside it (attached as <c>scratch</c>), see <see cref="SaveOpenCheck"/>.
/// </summary>
/// <remarks>
/// A commit's cost is the fsync of the WAL frames it appends, and every page it dirties is a
/// frame, so the schema keeps those pages few: 1 KiB pages (new databases), an outbox with an
/// INTEGER PRIMARY KEY (no AUTOINCREMENT: no sqlite_sequence page) and only the op_id index.
/// A sale's operation id is its check id and the committed check rides in the sale's own outbox
/// row, so a cash sale dirties the outbox's last leaf and the op_id index's last leaf, plus the
/// header page and the parent page when the row starts a new leaf: 2 frames, or 4, where a
/// separate table of checks (schema 4) made it 6-9. Its blobs leave out its own id
/// (<see cref="OwnIdElision"/>). There is no index on the outbox state: pending rows
/// are found by a rowid range scan from a floor kept in memory (every row below it is synced or
/// parked), and the pending/parked counts are kept in memory too (every write goes through this
/// class). Points spent offline add a row to the allowance ledger (a WITHOUT ROWID table).
/// </remarks>
internal sealed class AgentStore : IDisposable
{
    private const int SchemaVersion = 5;

    /// <summary>The name the open-checks database is attached under.</summary>
    private const string Scratch = "scratch";

    /// <summary>Page size of new databases: a commit's WAL frames are whole pages, so small pages mean fewer bytes to fsync.</summary>
    private const int PageSize = 1024;

    /// <summary>A background checkpoint is due after this many written transactions (about 4 MiB of WAL)...</summary>
    private const int CheckpointEveryWrites = 100;

    /// <summary>Forgets the open-check rows of checks committed since (a crash between the commit and the row's delete leaves one).</summary>
    private const string DeleteCommittedOpenChecks =
        $"DELETE FROM {Scratch}.open_checks WHERE EXISTS (SELECT 1 FROM main.outbox o WHERE o.op_id = open_checks.check_id AND o.check_proto IS NOT NULL) " +
        "OR check_id IN (SELECT check_id FROM main.sale_check_ids)";

    /// <summary>...or this long after the last one if anything was written since.</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly RawStatement _insertOutbox;
    private readonly RawStatement _updateSaleCheck;
    private readonly RawStatement _nameSaleCheck;
    private readonly RawStatement _insertRedemption;
    private readonly SqliteCommand _markOutbox;
    private readonly SqliteCommand _confirmRedemption;
    private readonly RawStatement _saveOpenCheck;
    private readonly RawStatement _deleteOpenCheck;
    private readonly RawStatement _begin;
    private readonly RawStatement _commit;
    private readonly RawStatement _rollback;
    private readonly Dictionary<string, SqliteCommand> _queries = new(StringComparer.Ordinal);

    /// <summary>
    /// Points spent offline per card and not yet confirmed: the ledger's unconfirmed rows, summed at
    /// open and kept up to date by every write, so a points commit does not read the card's whole
    /// ledger. Cards leave it when nothing of theirs is unconfirmed.
    /// </summary>
    private readonly Dictionary<string, long> _unconfirmedByCard = new(StringComparer.Ordinal);
    private readonly UnsyncedSpends _unsynced = new();
    private bool _disposed;
    private long _pendingFloor;
    private long _pendingCount;
    private long _parkedCount;
    private long _writesSinceCheckpoint;
    private DateTimeOffset _lastCheckpoint;

    /// <summary>Whether the database still takes writes, as the writes find out (health and the log follow it).</summary>
    public StoreHealth Health { get; } = new();

    /// <summary>
    /// A small durable write of the store's own (one meta row, committed with fsync like a sale):
    /// while <see cref="Health"/> is failing the agent calls it now and then to see the disk back.
    /// Returns whether it committed; never throws for a storage failure.
    /// </summary>
    public bool Probe()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                InTransaction(() =>
                {
                    using var command = _connection.CreateCommand();
                    command.CommandText = "INSERT INTO meta(key, value) VALUES ('store_probe', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
                    command.Parameters.AddWithValue("$v", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    command.ExecuteNonQuery();
                });
                _writesSinceCheckpoint++;
                return true;
            }
            catch (SqliteException)
            {
                // Still failing (the error was reported to Health by the write).
                return false;
            }
        }
    }

    private AgentStore(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        _lastCheckpoint = time.GetUtcNow();
        _insertOutbox = new RawStatement(connection,
            "INSERT INTO outbox(op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent, check_id, check_proto, synced_at) " +
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?12, ?7, ?8, ?9, ?10, ?11, ?13)");
        _updateSaleCheck = new RawStatement(connection, "UPDATE outbox SET check_proto = ?1 WHERE op_id = ?2 AND check_proto IS NOT NULL");
        _nameSaleCheck = new RawStatement(connection, "INSERT INTO sale_check_ids(check_id, op_id) VALUES (?1, ?2)");
        _insertRedemption = new RawStatement(connection,
            "INSERT INTO offline_redemptions(op_id, card_number, points, created_at, confirmed) VALUES (?1, ?2, ?3, ?4, 0)");
        _markOutbox = Prepare(
            "UPDATE outbox SET state = $state, result = $result, last_error = $error, synced_at = $at, attempts = attempts + 1 WHERE op_id = $op AND state = 0",
            "$state", "$result", "$error", "$at", "$op");
        // The ledger is keyed by (card, op): the card comes from the outbox row (op_id index).
        _confirmRedemption = Prepare(
            "UPDATE offline_redemptions SET confirmed = 1, overspent = $over WHERE card_number = (SELECT card_number FROM outbox WHERE op_id = $op) AND op_id = $op AND confirmed = 0 " +
            "RETURNING card_number, points",
            "$over", "$op");
        _saveOpenCheck = new RawStatement(connection,
            $"INSERT INTO {Scratch}.open_checks(check_id, card_number, card_from_central, next_line, check_proto, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) " +
            "ON CONFLICT(check_id) DO UPDATE SET card_number = excluded.card_number, card_from_central = excluded.card_from_central, " +
            "next_line = excluded.next_line, check_proto = excluded.check_proto, updated_at = excluded.updated_at");
        _deleteOpenCheck = new RawStatement(connection, $"DELETE FROM {Scratch}.open_checks WHERE check_id = ?1");
        _begin = new RawStatement(connection, "BEGIN");
        _commit = new RawStatement(connection, "COMMIT");
        _rollback = new RawStatement(connection, "ROLLBACK");
        _pendingFloor = Scalar("SELECT COALESCE(MIN(seq), 0) FROM outbox WHERE state = 0");
        _pendingCount = Scalar("SELECT COUNT(*) FROM outbox WHERE state = 0");
        _parkedCount = Scalar("SELECT COUNT(*) FROM outbox WHERE state = 2");
        foreach (var (card, points) in Query("SELECT card_number, SUM(points) FROM offline_redemptions WHERE confirmed = 0 GROUP BY card_number", r => (r.GetString(0), r.GetInt64(1))))
        {
            _unconfirmedByCard[card] = points;
        }

        foreach (var (op, card, at, points) in Query(
            "SELECT op_id, card_number, business_time, est_spent FROM outbox WHERE seq >= $floor AND state = 0 AND kind = 'sale' AND est_spent > 0 AND card_number IS NOT NULL ORDER BY seq",
            r => (r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetInt64(3)),
            ("$floor", _pendingFloor)))
        {
            _unsynced.Add(card, new UnsyncedSpend(op, at, points));
        }
    }

    public static AgentStore Open(string path, TimeProvider time, bool groupReadable = false)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            PosAgent.Storage.DurableFolder.Create(directory, groupReadable ? PosAgent.Storage.DurableFolder.OwnerAndGroupRead : PosAgent.Storage.DurableFolder.OwnerAndGroupTraverse);
        }

        // Card numbers and the terminal's history are in it: readable by the agent's user only,
        // unless the operator lets the group read it (AgentOptions.DataGroupReadable).
        var fileMode = groupReadable ? PosAgent.Storage.DurableFolder.GroupReadableFile : PosAgent.Storage.DurableFolder.PrivateFile;
        PosAgent.Storage.DurableFolder.CreatePrivateFile(path, fileMode);

        // Unpaid checks carry card numbers too; ATTACH would create the file 0644.
        PosAgent.Storage.DurableFolder.CreatePrivateFile(OpenChecksPath(path), fileMode);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            // WAL + synchronous=FULL: a commit returns once its WAL frames are fsync'ed, so an
            // acknowledged sale survives a power cut (NORMAL fsyncs only at checkpoints and loses
            // the last commits; measured with the PowerLoss tests, docs/operations.md Durability).
            // page_size only takes effect on a new, empty database (before WAL mode writes the
            // header); an existing one keeps its size. Checkpoints are run by CheckpointIfDue()
            // from the sync worker; the automatic one stays as a safety net only (10,000 pages),
            // so a commit never pays for copying pages back.
            try
            {
                connection.Open();
                Execute(connection, $"PRAGMA page_size={PageSize}; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=10000;");
            }
            catch (SqliteException ex)
            {
                throw new InvalidOperationException(
                    $"The agent database '{Path.GetFullPath(path)}' cannot be used: {ex.Message} Do not delete it: it holds the operations not yet sent to the central service. " +
                    "Restore it from a backup (docs/operations.md, Backups) or keep it aside for recovery before the agent starts on a new one.", ex);
            }

            var movedAside = AttachOpenChecks(connection, OpenChecksPath(path));
            Migrate(connection);
            return new AgentStore(connection, time) { UnreadableOpenChecksMovedTo = movedAside };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Set when the open-checks database could not be read at start and was moved aside to this
    /// path (the agent started with no open checks); null otherwise.
    /// </summary>
    public string? UnreadableOpenChecksMovedTo { get; private init; }

    /// <summary>The open-checks database of the agent database at <paramref name="databasePath"/>: <c>agent.db</c> → <c>agent-open-checks.db</c>.</summary>
    public static string OpenChecksPath(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        return Path.Combine(Path.GetDirectoryName(full) ?? string.Empty, Path.GetFileNameWithoutExtension(full) + "-open-checks.db");
    }

    /// <summary>
    /// Open checks are edited at every scan, and their rows (the whole check, with overflow pages)
    /// are most of what a checkout writes. In the agent database they sat in its WAL until the
    /// commit's fsync flushed them along with the sale: two thirds of that fsync's bytes. In a file
    /// of their own, WAL with synchronous=NORMAL, they survive the agent's crash or SIGKILL (the
    /// writes are in the kernel) and reach the disk at its checkpoints and the kernel's writeback;
    /// a power cut can lose the last seconds of edits of checks not yet paid, never a sale.
    /// </summary>
    /// <remarks>
    /// A file that is not a readable database (damaged by a disk fault, or overwritten) must not
    /// stop checkout over checks nobody has paid yet: it is moved aside, with its WAL, and the agent
    /// starts with an empty one. Returns where it went, or null.
    /// </remarks>
    private static string? AttachOpenChecks(SqliteConnection connection, string path)
    {
        try
        {
            PrepareOpenChecks(connection, path);
            return null;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_CORRUPT)
        {
            // ATTACH itself fails on a file that is not a database; a damaged one fails later.
            using (var attached = connection.CreateCommand())
            {
                attached.CommandText = $"SELECT count(*) FROM pragma_database_list WHERE name = '{Scratch}'";
                if (Convert.ToInt64(attached.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    Execute(connection, $"DETACH DATABASE {Scratch}");
                }
            }

            var aside = $"{path}.unreadable-{DateTime.UtcNow:yyyyMMddTHHmmssZ}";
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                if (File.Exists(path + suffix))
                {
                    File.Move(path + suffix, aside + suffix);
                }
            }

            PrepareOpenChecks(connection, path);
            return aside;
        }
    }

    private static void PrepareOpenChecks(SqliteConnection connection, string path)
    {
        try
        {
            using (var attach = connection.CreateCommand())
            {
                attach.CommandText = $"ATTACH DATABASE $path AS {Scratch}";
                attach.Parameters.AddWithValue("$path", path);
                attach.ExecuteNonQuery();
            }

            Execute(connection, $$"""
                PRAGMA {{Scratch}}.page_size={{PageSize}};
                PRAGMA {{Scratch}}.journal_mode=WAL;
                PRAGMA {{Scratch}}.synchronous=NORMAL;
                CREATE TABLE IF NOT EXISTS {{Scratch}}.open_checks (
                    check_id TEXT PRIMARY KEY,
                    card_number TEXT,
                    card_from_central INTEGER NOT NULL,
                    next_line INTEGER NOT NULL,
                    check_proto BLOB NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is not (SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_CORRUPT))
        {
            throw new InvalidOperationException(
                $"The open-checks database '{path}' cannot be opened: {ex.Message} It holds only checks not yet paid: fix its permissions, or move it aside, and start the agent again.", ex);
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
        if (version == 1)
        {
            // Schema 1 had an AUTOINCREMENT outbox with a state index and rowid tables for checks
            // and offline redemptions (seven b-trees per sale); its rows are copied below.
            Execute(connection, """
                ALTER TABLE outbox RENAME TO outbox_v1;
                ALTER TABLE sales RENAME TO sales_v1;
                ALTER TABLE offline_redemptions RENAME TO offline_redemptions_v1;
                DROP INDEX IF EXISTS outbox_state;
                DROP INDEX IF EXISTS offline_redemptions_card;
                """);
        }
        else if (version >= 2)
        {
            Execute(connection, "ALTER TABLE outbox ADD COLUMN check_proto BLOB");
        }

        Execute(connection, """
            CREATE TABLE IF NOT EXISTS outbox (
                seq INTEGER PRIMARY KEY,
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
                synced_at INTEGER,
                check_id TEXT,
                check_proto BLOB
            );
            -- Sales whose operation id is not their check id (agents before schema 5 gave a sale an id of its own).
            CREATE TABLE IF NOT EXISTS sale_check_ids (
                check_id TEXT PRIMARY KEY,
                op_id TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS offline_redemptions (
                card_number TEXT NOT NULL,
                op_id TEXT NOT NULL,
                points INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                confirmed INTEGER NOT NULL,
                overspent INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (card_number, op_id)
            ) WITHOUT ROWID;
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
        if (version == 1)
        {
            Execute(connection, """
                INSERT INTO outbox(seq, op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent, attempts, last_error, result, synced_at, check_id)
                    SELECT o.seq, o.op_id, o.kind, o.card_number, o.business_time, o.created_at, o.payload, o.state, o.offline, o.est_earned, o.est_spent, o.attempts, o.last_error, o.result, o.synced_at,
                           (SELECT s.check_id FROM sales_v1 s WHERE s.op_id = o.op_id)
                    FROM outbox_v1 o ORDER BY o.seq;
                ALTER TABLE sales_v1 RENAME TO sales;
                INSERT INTO offline_redemptions(card_number, op_id, points, created_at, confirmed, overspent)
                    SELECT card_number, op_id, points, created_at, confirmed, overspent FROM offline_redemptions_v1;
                DROP TABLE outbox_v1;
                DROP TABLE offline_redemptions_v1;
                """);
        }

        if (version is >= 1 and <= 4)
        {
            // Schemas 1-4 kept committed checks in a table of their own, keyed by check id, and
            // gave a sale an operation id of its own. Each check moves into its sale's outbox
            // row; the sales whose operation id is not their check id are remembered in
            // sale_check_ids, so they are still found by check id. (A check whose sale row was
            // already pruned cannot exist: pruning deleted the check first, on the same terms.)
            Execute(connection, """
                UPDATE outbox SET check_proto = (SELECT s.check_proto FROM sales s WHERE s.op_id = outbox.op_id)
                    WHERE op_id IN (SELECT op_id FROM sales);
                INSERT OR REPLACE INTO sale_check_ids(check_id, op_id) SELECT check_id, op_id FROM sales WHERE check_id <> op_id;
                DROP TABLE sales;
                """);
        }

        if (version == 3)
        {
            // Schema 3 kept open checks in the agent database. Moved (INSERT OR REPLACE: a crash
            // between the two files' commits only moves them again at the next start).
            Execute(connection, $"""
                INSERT OR REPLACE INTO {Scratch}.open_checks SELECT check_id, card_number, card_from_central, next_line, check_proto, updated_at FROM main.open_checks;
                DROP TABLE main.open_checks;
                """);
        }

        Execute(connection, $"PRAGMA user_version = {SchemaVersion}");
        tx.Commit();
    }

    /// <summary>
    /// Writes a committed operation durably, in one transaction with the check as it stands after
    /// it and the points spent offline against the card's allowance. A sale (the check's own
    /// operation) keeps its check in its outbox row; a refund replaces the check kept in its
    /// sale's row, so <see cref="FindSale"/> reads one row either way.
    /// </summary>
    public void Commit(OutboxOperation operation, Check? check, long offlineRedeemedPoints)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var payload = OwnIdElision.StoreTransaction(operation.Transaction, operation.OperationId);
        var isSale = check is not null && check.OperationId == operation.OperationId;
        // The check goes into the sale's row: this one, or for a refund the one it refunds.
        var checkProto = check is null ? null : OwnIdElision.StoreCheck(check, check.OperationId);
        // check_id says which check an operation belongs to; a sale named by its check says it already.
        var checkId = isSale && check!.CheckId == operation.OperationId ? null : check?.CheckId;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            InTransaction(() =>
            {
                InsertOutbox(operation, now, payload, checkId, isSale ? checkProto : null);
                if (isSale && check!.CheckId != operation.OperationId)
                {
                    _nameSaleCheck.Bind(1, check.CheckId).Bind(2, operation.OperationId).Execute();
                }
                else if (check is not null && !isSale)
                {
                    // No row when the sale was pruned meanwhile (past the retention): its check goes with it.
                    _updateSaleCheck.Bind(1, checkProto!).Bind(2, check.OperationId).Execute();
                }

                if (offlineRedeemedPoints > 0)
                {
                    _insertRedemption.Bind(1, operation.OperationId).Bind(2, operation.CardNumber ?? string.Empty).Bind(3, offlineRedeemedPoints).Bind(4, now).Execute();
                }
            });
            if (offlineRedeemedPoints > 0)
            {
                AddUnconfirmed(operation.CardNumber ?? string.Empty, offlineRedeemedPoints);
            }

            AddUnsynced(operation);

            _pendingCount += operation.LocalOnly ? 0 : 1;
            _writesSinceCheckpoint++;
        }
    }

    /// <summary>Writes many operations in one transaction (imports, and seeding a backlog in benchmarks).</summary>
    public void CommitMany(IReadOnlyList<OutboxOperation> operations)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            InTransaction(() =>
            {
                foreach (var operation in operations)
                {
                    InsertOutbox(operation, now, OwnIdElision.StoreTransaction(operation.Transaction, operation.OperationId), null, null);
                }
            });
            foreach (var operation in operations)
            {
                AddUnsynced(operation);
            }

            _pendingCount += operations.Count(o => !o.LocalOnly);
            _writesSinceCheckpoint++;
        }
    }

    /// <summary>
    /// Keeps an open (uncommitted) check, so it survives an agent restart, in the open-checks
    /// database (see <see cref="AttachOpenChecks"/>): no fsync, an edit must not cost a disk flush.
    /// Committed checks' rows are dropped at start and by <see cref="PruneSynced"/>.
    /// </summary>
    public void SaveOpenCheck(OpenCheckRecord record)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var proto = record.Check.ToByteArray();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Watched(() => _saveOpenCheck.Bind(1, record.Check.CheckId).Bind(2, record.CardNumber).Bind(3, record.CardFromCentral ? 1 : 0)
                .Bind(4, record.NextLine).Bind(5, proto).Bind(6, now).Execute());
            _writesSinceCheckpoint++;
        }
    }

    /// <summary>Forgets a cancelled open check.</summary>
    public void DeleteOpenCheck(string checkId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Watched(() => _deleteOpenCheck.Bind(1, checkId).Execute());
            _writesSinceCheckpoint++;
        }
    }

    /// <summary>The open checks kept by <see cref="SaveOpenCheck"/>, oldest first; rows of checks committed since are deleted.</summary>
    public IReadOnlyList<OpenCheckRecord> LoadOpenChecks()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Execute(_connection, DeleteCommittedOpenChecks);
            _writesSinceCheckpoint++;
            return Query($"SELECT check_proto, card_number, card_from_central, next_line FROM {Scratch}.open_checks ORDER BY updated_at",
                r => new OpenCheckRecord(Check.Parser.ParseFrom((byte[])r[0]), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2) != 0, r.GetInt32(3)));
        }
    }

    /// <summary>The oldest pending operations after sequence <paramref name="after"/> (0: from the start), in commit order.</summary>
    public IReadOnlyList<PendingOperation> ReadPending(int limit, long after = 0)
    {
        lock (_gate)
        {
            var fromStart = after < _pendingFloor;
            var rows = Query("SELECT seq, op_id, kind, card_number, created_at, payload, offline, est_earned, est_spent, state, result, last_error FROM outbox WHERE seq >= $from AND state = 0 ORDER BY seq LIMIT $limit",
                ReadOperation, ("$from", Math.Max(_pendingFloor, after + 1)), ("$limit", limit));
            if (fromStart)
            {
                // Every row below the first pending one is done; with none pending, every row there is
                // (rowids only grow: PruneSynced never deletes the newest row, so none is reused).
                _pendingFloor = rows.Count > 0 ? rows[0].Sequence : Scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox");
            }

            return rows;
        }
    }

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
        var confirmed = new List<(string Card, long Points)>();
        var answered = new List<string>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            InTransaction(() =>
            {
                foreach (var outcome in outcomes)
                {
                    if (Run(_markOutbox, (int)outcome.State, outcome.Result, (object?)outcome.Error ?? DBNull.Value, now, outcome.OperationId) == 0)
                    {
                        continue;
                    }

                    answered.Add(outcome.OperationId);

                    if (outcome.State == OutboxState.Parked)
                    {
                        parked++;
                    }
                    else
                    {
                        synced++;
                    }

                    overspent += outcome.OverspentPoints;
                    _confirmRedemption.Parameters[0].Value = outcome.OverspentPoints;
                    _confirmRedemption.Parameters[1].Value = outcome.OperationId;
                    using var reader = _confirmRedemption.ExecuteReader();
                    while (reader.Read())
                    {
                        confirmed.Add((reader.GetString(0), reader.GetInt64(1)));
                    }
                }
            });
            foreach (var (card, points) in confirmed)
            {
                AddUnconfirmed(card, -points);
            }

            foreach (var operationId in answered)
            {
                _unsynced.Answered(operationId);
            }

            _pendingCount -= synced + parked;
            _parkedCount += parked;
            _writesSinceCheckpoint++;
        }

        return (synced, parked, overspent);
    }

    /// <summary>Counts of pending and parked operations, and when the oldest pending one was committed.</summary>
    public (long Pending, long Parked, DateTimeOffset? OldestPending) CountOutbox()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var oldest = Query("SELECT created_at FROM outbox WHERE seq >= $floor AND state = 0 ORDER BY seq LIMIT 1",
                r => DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), ("$floor", _pendingFloor));
            return (_pendingCount, _parkedCount, oldest.Count == 0 ? null : oldest[0]);
        }
    }

    /// <summary>Points this terminal spent offline on a card that the central service has not yet confirmed.</summary>
    public long UnconfirmedOfflinePoints(string cardNumber)
    {
        lock (_gate)
        {
            return _unconfirmedByCard.GetValueOrDefault(cardNumber);
        }
    }

    /// <summary>Points-paying sales on a card committed here and not yet answered by the central service, oldest first.</summary>
    public IReadOnlyList<UnsyncedSpend> UnsyncedSpendsOf(string cardNumber)
    {
        lock (_gate)
        {
            return _unsynced.Of(cardNumber);
        }
    }

    /// <summary>Changes whenever <see cref="UnsyncedSpendsOf"/> of any card changes.</summary>
    public long UnsyncedVersion
    {
        get
        {
            lock (_gate)
            {
                return _unsynced.Version;
            }
        }
    }

    /// <summary>Exposure: unconfirmed offline points, cards they were spent on, and overspend the central service reported.</summary>
    public (long Points, int Cards, long Overspent) OfflineExposure() =>
        Query("SELECT COALESCE(SUM(CASE WHEN confirmed = 0 THEN points END), 0), COUNT(DISTINCT CASE WHEN confirmed = 0 THEN card_number END), COALESCE(SUM(overspent), 0) FROM offline_redemptions",
            r => (r.GetInt64(0), r.GetInt32(1), r.GetInt64(2)))[0];

    /// <summary>A committed sale's check as it stands now (after any refunds), by check id or by the sale's operation id.</summary>
    public (Check Check, string OperationId)? FindSale(string? checkId, string? operationId)
    {
        // Since schema 5 a sale's operation id is its check id; other sales are named in sale_check_ids.
        var rows = checkId is { Length: > 0 }
            ? Query("SELECT check_proto, op_id FROM outbox WHERE op_id IN ($id, (SELECT op_id FROM sale_check_ids WHERE check_id = $id)) AND check_proto IS NOT NULL", ReadSale, ("$id", checkId))
            : Query("SELECT check_proto, op_id FROM outbox WHERE op_id = $id AND check_proto IS NOT NULL", ReadSale, ("$id", operationId ?? string.Empty));
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
            Watched(() =>
            {
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
            });
        }
    }

    public CardSnapshot? FindCard(string cardNumber)
    {
        var rows = Query("SELECT snapshot FROM card_cache WHERE card_number = $card", r => CardSnapshot.Parser.ParseFrom((byte[])r[0]), ("$card", cardNumber));
        return rows.Count == 0 ? null : rows[0];
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
            // Open-check rows of committed checks first, while their sales are still there to name them.
            command.CommandText = DeleteCommittedOpenChecks;
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM offline_redemptions WHERE confirmed = 1 AND created_at < $before";
            command.ExecuteNonQuery();
            // The newest row always stays, so rowids (the commit order) are never reused.
            command.CommandText = "DELETE FROM outbox WHERE state IN (1, 3) AND synced_at < $before AND seq < (SELECT MAX(seq) FROM outbox)";
            var deleted = command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM sale_check_ids WHERE op_id NOT IN (SELECT op_id FROM outbox)";
            command.ExecuteNonQuery();
            tx.Commit();
            _writesSinceCheckpoint++;
            return deleted;
        }
    }

    /// <summary>
    /// Checkpoints when enough has been written since the last one (or some time has passed).
    /// Not after every commit: a checkpoint fsyncs the database file beside the next commit's
    /// WAL fsync, and once it has copied everything the next commit restarts the WAL and pays a
    /// second fsync for its header.
    /// </summary>
    public bool CheckpointIfDue()
    {
        long writes;
        lock (_gate)
        {
            writes = _writesSinceCheckpoint;
        }

        var now = _time.GetUtcNow();
        if (writes < CheckpointEveryWrites && (writes == 0 || now - _lastCheckpoint < CheckpointInterval))
        {
            return false;
        }

        Checkpoint();
        return true;
    }

    /// <summary>
    /// Copies committed WAL pages into the database file. On the writer's own connection, between
    /// two writes: with no read transaction open anywhere it copies everything, so the next commit
    /// starts the WAL over and overwrites blocks already allocated instead of growing the file.
    /// </summary>
    public void Checkpoint()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _writesSinceCheckpoint = 0;
            _lastCheckpoint = _time.GetUtcNow();
            Watched(() => Execute(_connection, "PRAGMA wal_checkpoint(PASSIVE);"));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _insertOutbox.Dispose();
            _updateSaleCheck.Dispose();
            _nameSaleCheck.Dispose();
            _insertRedemption.Dispose();
            _markOutbox.Dispose();
            _confirmRedemption.Dispose();
            _saveOpenCheck.Dispose();
            _deleteOpenCheck.Dispose();
            _begin.Dispose();
            _commit.Dispose();
            _rollback.Dispose();
            foreach (var query in _queries.Values)
            {
                query.Dispose();
            }

            _connection.Dispose();
        }
    }

    private void AddUnsynced(OutboxOperation operation)
    {
        if (UnsyncedSpends.Counts(operation))
        {
            _unsynced.Add(operation.CardNumber!, new UnsyncedSpend(operation.OperationId, operation.BusinessTime, operation.EstimatedSpent));
        }
    }

    private void AddUnconfirmed(string cardNumber, long points)
    {
        var total = _unconfirmedByCard.GetValueOrDefault(cardNumber) + points;
        if (total == 0)
        {
            _unconfirmedByCard.Remove(cardNumber);
        }
        else
        {
            _unconfirmedByCard[cardNumber] = total;
        }
    }

    private static PendingOperation ReadOperation(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
        OwnIdElision.ReadTransaction((byte[])r[5], r.GetString(1)),
        r.GetInt64(6) != 0,
        r.GetInt64(7),
        r.GetInt64(8),
        (OutboxState)r.GetInt32(9),
        r.IsDBNull(10) ? null : (byte[])r[10],
        r.IsDBNull(11) ? null : r.GetString(11));

    private static (Check, string) ReadSale(SqliteDataReader r) => (OwnIdElision.ReadCheck((byte[])r[0], r.GetString(1)), r.GetString(1));

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object Value)[] parameters)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Commands are kept per SQL text: each keeps its statement prepared.
            if (!_queries.TryGetValue(sql, out var command))
            {
                command = _connection.CreateCommand();
                command.CommandText = sql;
                _queries[sql] = command;
            }

            command.Parameters.Clear();
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

    /// <summary>
    /// The journal mode and synchronous level (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA) the agent database,
    /// or its open-checks database, runs with, as SQLite reports them on this connection: the tests
    /// hold them to what docs/operations.md (Durability) promises.
    /// </summary>
    internal (string JournalMode, long Synchronous) StorageSettings(bool openChecks)
    {
        var schema = openChecks ? Scratch : "main";
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"PRAGMA {schema}.journal_mode";
            var mode = (string)command.ExecuteScalar()!;
            command.CommandText = $"PRAGMA {schema}.synchronous";
            return (mode, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private long Scalar(string sql)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
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

    /// <summary>
    /// Runs the body in one transaction with prepared BEGIN / COMMIT statements (the connection's
    /// BeginTransaction compiles both anew each time, and a commit's CPU time counts).
    /// </summary>
    private void InTransaction(Action body)
    {
        try
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
            {
                // A rollback that failed on a failing disk left the last transaction open.
                _rollback.Execute();
            }

            _begin.Execute();
            try
            {
                body();
                _commit.Execute();
            }
            catch (Exception)
            {
                // A failed COMMIT may already have rolled back; only an open transaction is rolled back.
                if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
                {
                    try
                    {
                        _rollback.Execute();
                    }
                    catch (SqliteException rollback) when (StoreHealth.IsStorageFailure(rollback))
                    {
                        // The disk that failed the write may fail the rollback too: the write's error says why.
                        Health.Failed(rollback);
                    }
                }

                throw;
            }
        }
        catch (Exception ex)
        {
            Health.Failed(ex);
            throw;
        }

        Health.Succeeded();
    }

    /// <summary>A write outside <see cref="InTransaction"/>: a storage failure makes the store failing (only a durable commit shows recovery).</summary>
    private void Watched(Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex)
        {
            Health.Failed(ex);
            throw;
        }
    }

    private void InsertOutbox(OutboxOperation operation, long now, byte[] payload, string? checkId, byte[]? checkProto) =>
        _insertOutbox
            .Bind(1, operation.OperationId)
            .Bind(2, operation.Kind)
            .Bind(3, operation.CardNumber)
            .Bind(4, operation.BusinessTime.ToUnixTimeMilliseconds())
            .Bind(5, now)
            .Bind(6, payload)
            .Bind(7, operation.Offline ? 1 : 0)
            .Bind(8, operation.EstimatedEarned)
            .Bind(9, operation.EstimatedSpent)
            .Bind(10, checkId)
            .Bind(11, checkProto)
            // A local-only row is done at once (synced_at lets the retention prune it like a synced one).
            .Bind(12, operation.LocalOnly ? (int)OutboxState.Synced : (int)OutboxState.Pending)
            .BindOrNull(13, operation.LocalOnly ? now : null)
            .Execute();

    private static int Run(SqliteCommand command, params object[] values)
    {
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
