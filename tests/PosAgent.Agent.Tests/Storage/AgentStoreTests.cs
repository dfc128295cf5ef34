using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Storage;

public sealed class AgentStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private AgentStore CreateSut() => AgentStore.Open(_dir.File("agent.db"), _time);

    private OutboxOperation Sale(string card = "4000000000001", long spentOffline = 0)
    {
        var id = Guid.CreateVersion7().ToString();
        var tx = new TerminalTransaction
        {
            TransactionId = id,
            BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            CardNumber = card,
            Sale = new Sale { Lines = { new SaleLine { LineId = "1", Category = "goods", UnitPriceMinor = 1000, Quantity = 1 } } },
        };
        return new OutboxOperation(id, "sale", card, _time.GetUtcNow(), tx, spentOffline > 0, 10, spentOffline);
    }

    [Fact]
    public void Commit_ThenReopen_OperationAndCheckSurvive()
    {
        var op = Sale();
        var check = new Check { CheckId = "c1", OperationId = op.OperationId, State = CheckState.Committed, TotalMinor = 1000 };
        using (var store = CreateSut())
        {
            store.Commit(op, check, 0);
        }

        using var reopened = CreateSut();
        var pending = Assert.Single(reopened.ReadPending(10));
        Assert.Equal(op.OperationId, pending.OperationId);
        Assert.Equal(op.Transaction, TerminalTransaction.Parser.ParseFrom(pending.Payload));
        var sale = reopened.FindSale("c1", null);
        Assert.NotNull(sale);
        Assert.Equal(op.OperationId, sale.Value.OperationId);
        Assert.Equal(check, reopened.FindSale(null, op.OperationId)!.Value.Check);
    }

    [Fact]
    public void Commit_SameOperationIdTwice_SecondThrowsAndNothingHalfWritten()
    {
        using var store = CreateSut();
        var op = Sale(spentOffline: 50);
        store.Commit(op, null, 50);
        Assert.ThrowsAny<Microsoft.Data.Sqlite.SqliteException>(() => store.Commit(op, new Check { CheckId = "c2", OperationId = "x" }, 50));
        Assert.Single(store.ReadPending(10));
        Assert.Null(store.FindSale("c2", null));
        Assert.Equal(50, store.UnconfirmedOfflinePoints(op.CardNumber!));
    }

    [Fact]
    public void RecordOutcomes_SyncedAndParked_LeavePendingAndConfirmOfflinePoints()
    {
        using var store = CreateSut();
        var a = Sale(spentOffline: 30);
        var b = Sale(spentOffline: 20);
        var c = Sale();
        store.Commit(a, null, 30);
        store.Commit(b, null, 20);
        store.Commit(c, null, 0);
        Assert.Equal(50, store.UnconfirmedOfflinePoints(a.CardNumber!));
        Assert.Equal((50L, 1, 0L), store.OfflineExposure());

        store.RecordOutcomes([
            new SyncOutcome(a.OperationId, OutboxState.Synced, [1], null, 0),
            new SyncOutcome(b.OperationId, OutboxState.Parked, [2], "insufficient_points", 20),
        ]);

        Assert.Equal(c.OperationId, Assert.Single(store.ReadPending(10)).OperationId);
        Assert.Equal(b.OperationId, Assert.Single(store.ReadParked(10)).OperationId);
        Assert.Equal(0, store.UnconfirmedOfflinePoints(a.CardNumber!));
        Assert.Equal((0L, 0, 20L), store.OfflineExposure());
        var counts = store.CountOutbox();
        Assert.Equal(1, counts.Pending);
        Assert.Equal(1, counts.Parked);
        Assert.Equal(_time.GetUtcNow(), counts.OldestPending);
    }

    [Fact]
    public void RecordOutcomes_AlreadySynced_DoesNotChangeIt()
    {
        using var store = CreateSut();
        var a = Sale();
        store.Commit(a, null, 0);
        store.RecordOutcomes([new SyncOutcome(a.OperationId, OutboxState.Synced, [1], null, 0)]);
        store.RecordOutcomes([new SyncOutcome(a.OperationId, OutboxState.Parked, [2], "late", 0)]);
        Assert.Empty(store.ReadParked(10));
        Assert.Equal(OutboxState.Synced, store.FindOperation(a.OperationId)!.State);
    }

    [Fact]
    public void UnconfirmedOfflinePoints_SurviveReopenAndAreConfirmedOnce()
    {
        var a = Sale(card: "4000000000001", spentOffline: 30);
        var b = Sale(card: "4000000000001", spentOffline: 25);
        var other = Sale(card: "4000000000002", spentOffline: 7);
        using (var store = CreateSut())
        {
            store.Commit(a, null, 30);
            store.Commit(b, null, 25);
            store.Commit(other, null, 7);
        }

        using var reopened = CreateSut();
        Assert.Equal(55, reopened.UnconfirmedOfflinePoints("4000000000001"));
        Assert.Equal(7, reopened.UnconfirmedOfflinePoints("4000000000002"));

        reopened.RecordOutcomes([new SyncOutcome(a.OperationId, OutboxState.Synced, [1], null, 0)]);
        reopened.RecordOutcomes([new SyncOutcome(a.OperationId, OutboxState.Synced, [1], null, 0)]);

        Assert.Equal(25, reopened.UnconfirmedOfflinePoints("4000000000001"));
        Assert.Equal(7, reopened.UnconfirmedOfflinePoints("4000000000002"));
        Assert.Equal((32L, 2, 0L), reopened.OfflineExposure());
    }

    [Fact]
    public void PruneSynced_OlderThanRetention_DeletesOnlySynced()
    {
        using var store = CreateSut();
        var synced = Sale();
        var pending = Sale();
        store.Commit(synced, new Check { CheckId = "s", OperationId = synced.OperationId }, 0);
        store.Commit(pending, new Check { CheckId = "p", OperationId = pending.OperationId }, 0);
        store.RecordOutcomes([new SyncOutcome(synced.OperationId, OutboxState.Synced, [1], null, 0)]);
        _time.Advance(TimeSpan.FromDays(8));

        Assert.Equal(1, store.PruneSynced(_time.GetUtcNow() - TimeSpan.FromDays(7)));

        Assert.Null(store.FindOperation(synced.OperationId));
        Assert.Null(store.FindSale("s", null));
        Assert.NotNull(store.FindSale("p", null));
        Assert.Single(store.ReadPending(10));
    }

    [Fact]
    public void Commit_SaleNamedByItsCheck_ThenRefund_TheCheckIsReadFromTheSaleRow()
    {
        using var store = CreateSut();
        var sale = Sale();
        var check = new Check { CheckId = sale.OperationId, OperationId = sale.OperationId, State = CheckState.Committed, TotalMinor = 1000, Lines = { new CheckLine { LineId = "1", Quantity = 1, TotalMinor = 1000 } } };
        store.Commit(sale, check, 0);
        Assert.Equal(check, store.FindSale(check.CheckId, null)!.Value.Check);

        var refund = new OutboxOperation(Guid.CreateVersion7().ToString(), "refund", sale.CardNumber, _time.GetUtcNow(), new TerminalTransaction { Refund = new Refund { OriginalTransactionId = sale.OperationId } }, true, -10, 0);
        var refunded = check.Clone();
        refunded.State = CheckState.Refunded;
        refunded.Lines[0].RefundedQuantity = 1;
        store.Commit(refund, refunded, 0);

        Assert.Equal((refunded, sale.OperationId), store.FindSale(check.CheckId, null));
        Assert.Equal((refunded, sale.OperationId), store.FindSale(null, sale.OperationId));
        Assert.Null(store.FindSale(null, refund.OperationId));
        Assert.Equal(2, store.ReadPending(10).Count);
        Assert.Equal(0L, ReadLong("SELECT count(*) FROM sale_check_ids"));
    }

    [Fact]
    public void Open_SchemaFourDatabase_MovesEachCheckIntoItsSaleRow()
    {
        var path = _dir.File("agent.db");
        var sold = new Check { CheckId = "check-1", OperationId = "op-sale", State = CheckState.PartiallyRefunded, TotalMinor = 3000 };
        CreateLegacyDatabase(4, """
            INSERT INTO outbox(op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent, check_id)
                VALUES ('op-sale', 'sale', '4000000000001', 1, 1, x'00', 0, 1, 30, 0, 'check-1'),
                       ('op-refund', 'refund', '4000000000001', 2, 2, x'00', 0, 1, -10, 0, 'check-1');
            INSERT INTO sales VALUES ('check-1', 'op-sale', $proto, 1);
            """, sold.ToByteArray());

        using (var store = AgentStore.Open(path, _time))
        {
            Assert.Equal((sold, "op-sale"), store.FindSale("check-1", null));
            Assert.Equal((sold, "op-sale"), store.FindSale(null, "op-sale"));
            Assert.Null(store.FindSale(null, "op-refund"));
            Assert.Equal(2, store.ReadPending(10).Count);

            // A refund after the upgrade updates the check where the migration put it.
            var refunded = sold.Clone();
            refunded.State = CheckState.Refunded;
            store.Commit(new OutboxOperation("op-refund-2", "refund", "4000000000001", _time.GetUtcNow(), new TerminalTransaction(), true, -20, 0), refunded, 0);
            Assert.Equal(CheckState.Refunded, store.FindSale("check-1", null)!.Value.Check.State);
        }

        Assert.Equal(0L, ReadLong("SELECT count(*) FROM sqlite_master WHERE name = 'sales'"));
        Assert.Equal(1L, ReadLong("SELECT count(*) FROM sale_check_ids WHERE check_id = 'check-1' AND op_id = 'op-sale'"));
    }

    /// <summary>
    /// An agent database as agents of schemas 2-4 created it (committed checks in a table of
    /// their own, a sale with an id of its own), then <paramref name="sql"/> with <c>$proto</c>.
    /// </summary>
    private void CreateLegacyDatabase(int version, string sql, byte[] proto)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("agent.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE outbox (seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, card_number TEXT, business_time INTEGER NOT NULL,
                created_at INTEGER NOT NULL, payload BLOB NOT NULL, state INTEGER NOT NULL, offline INTEGER NOT NULL, est_earned INTEGER NOT NULL,
                est_spent INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, result BLOB, synced_at INTEGER, check_id TEXT);
            CREATE TABLE sales (check_id TEXT PRIMARY KEY, op_id TEXT NOT NULL, check_proto BLOB NOT NULL, committed_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE offline_redemptions (card_number TEXT NOT NULL, op_id TEXT NOT NULL, points INTEGER NOT NULL, created_at INTEGER NOT NULL,
                confirmed INTEGER NOT NULL, overspent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (card_number, op_id)) WITHOUT ROWID;
            CREATE TABLE card_cache (card_number TEXT PRIMARY KEY, snapshot BLOB NOT NULL, fetched_at INTEGER NOT NULL);
            CREATE TABLE programs (program_id TEXT PRIMARY KEY, version TEXT NOT NULL, definition TEXT NOT NULL, fetched_at INTEGER NOT NULL);
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            {sql}
            PRAGMA user_version = {version};
            """;
        command.Parameters.AddWithValue("$proto", proto);
        command.ExecuteNonQuery();
    }

    /// <summary>One number read from the agent database on a connection of its own.</summary>
    private long ReadLong(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("agent.db")};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void Caches_PutThenReopen_AreLoaded()
    {
        using (var store = CreateSut())
        {
            store.PutCard(new CardSnapshot { CardNumber = "123", OfflineRedemptionAllowance = 500 });
            store.PutCard(new CardSnapshot { CardNumber = "123", OfflineRedemptionAllowance = 700 });
            store.PutProgram(new CachedProgram("CSM", "1", "{}", _time.GetUtcNow()));
            store.SetMeta("cursor", "42");
        }

        using var reopened = CreateSut();
        Assert.Equal(700, Assert.Single(reopened.LoadCards()).OfflineRedemptionAllowance);
        Assert.Equal("CSM", Assert.Single(reopened.LoadPrograms()).ProgramId);
        Assert.Equal("42", reopened.GetMeta("cursor"));
    }

    [Fact]
    public void Open_DatabaseFromNewerAgent_FailsWithClearMessage()
    {
        var path = _dir.File("agent.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => AgentStore.Open(path, _time));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WalAndFullSync_AreSet()
    {
        using var store = CreateSut();
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("agent.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    /// <summary>Two sales committed, then the first synced and the second synced or parked: nothing left pending. Returns the second.</summary>
    private OutboxOperation CommitTwoThenSettle(AgentStore store, bool secondParked)
    {
        var a = Sale();
        var b = Sale();
        store.Commit(a, null, 0);
        store.Commit(b, null, 0);
        Assert.Equal(2, store.ReadPending(10).Count);
        var second = secondParked ? new SyncOutcome(b.OperationId, OutboxState.Parked, [2], "bad", 0) : new SyncOutcome(b.OperationId, OutboxState.Synced, [1], null, 0);
        store.RecordOutcomes([new SyncOutcome(a.OperationId, OutboxState.Synced, [1], null, 0), second]);
        Assert.Empty(store.ReadPending(10));
        return b;
    }

    [Fact]
    public void ReadPending_AfterEverythingSynced_FindsTheNextCommit()
    {
        using var store = CreateSut();
        CommitTwoThenSettle(store, secondParked: true);

        var c = Sale();
        store.Commit(c, null, 0);

        Assert.Equal(c.OperationId, Assert.Single(store.ReadPending(10)).OperationId);
        Assert.Equal((1L, 1L), (store.CountOutbox().Pending, store.CountOutbox().Parked));
    }

    [Fact]
    public void PruneSynced_EverySyncedRowOld_KeepsTheNewestSoCommitOrderContinues()
    {
        using var store = CreateSut();
        var b = CommitTwoThenSettle(store, secondParked: false);
        _time.Advance(TimeSpan.FromDays(8));

        Assert.Equal(1, store.PruneSynced(_time.GetUtcNow() - TimeSpan.FromDays(7)));
        var c = Sale();
        store.Commit(c, null, 0);

        var pending = Assert.Single(store.ReadPending(10));
        Assert.Equal(c.OperationId, pending.OperationId);
        Assert.True(pending.Sequence > store.FindOperation(b.OperationId)!.Sequence, "commit order must continue after pruning");
    }

    [Fact]
    public void Open_SchemaOneDatabase_MigratesEveryRow()
    {
        var path = _dir.File("agent.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // The schema 1 layout, as yesterday's agent created it.
            command.CommandText = """
                CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, op_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, card_number TEXT,
                    business_time INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL, state INTEGER NOT NULL, offline INTEGER NOT NULL,
                    est_earned INTEGER NOT NULL, est_spent INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, result BLOB, synced_at INTEGER);
                CREATE INDEX outbox_state ON outbox(state, seq);
                CREATE TABLE sales (check_id TEXT PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, check_proto BLOB NOT NULL, committed_at INTEGER NOT NULL);
                CREATE TABLE offline_redemptions (op_id TEXT PRIMARY KEY, card_number TEXT NOT NULL, points INTEGER NOT NULL, created_at INTEGER NOT NULL,
                    confirmed INTEGER NOT NULL, overspent INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX offline_redemptions_card ON offline_redemptions(card_number, confirmed);
                CREATE TABLE card_cache (card_number TEXT PRIMARY KEY, snapshot BLOB NOT NULL, fetched_at INTEGER NOT NULL);
                CREATE TABLE programs (program_id TEXT PRIMARY KEY, version TEXT NOT NULL, definition TEXT NOT NULL, fetched_at INTEGER NOT NULL);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO outbox(op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent, result, synced_at)
                    VALUES ('op-synced', 'sale', '4000000000001', 1, 1, x'00', 1, 0, 5, 0, x'01', 2),
                           ('op-pending', 'sale', '4000000000001', 3, 3, x'00', 0, 1, 5, 40, NULL, NULL),
                           ('op-parked', 'sale', '4000000000001', 4, 4, x'00', 2, 0, 5, 0, x'02', 5);
                INSERT INTO sales VALUES ('check-1', 'op-pending', x'0a07636865636b2d31', 3);
                INSERT INTO offline_redemptions VALUES ('op-pending', '4000000000001', 40, 3, 0, 0);
                INSERT INTO meta VALUES ('cursor', '7');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using var store = AgentStore.Open(path, _time);

        var pending = Assert.Single(store.ReadPending(10));
        Assert.Equal("op-pending", pending.OperationId);
        Assert.Equal("op-parked", Assert.Single(store.ReadParked(10)).OperationId);
        Assert.Equal((1L, 1L), (store.CountOutbox().Pending, store.CountOutbox().Parked));
        Assert.Equal("check-1", store.FindSale(null, "op-pending")!.Value.Check.CheckId);
        Assert.Equal("op-pending", store.FindSale("check-1", null)!.Value.OperationId);
        Assert.Equal(40, store.UnconfirmedOfflinePoints("4000000000001"));
        Assert.Equal("7", store.GetMeta("cursor"));
        store.RecordOutcomes([new SyncOutcome("op-pending", OutboxState.Synced, [1], null, 0)]);
        Assert.Equal(0, store.UnconfirmedOfflinePoints("4000000000001"));
        var next = Sale();
        store.Commit(next, null, 0);
        Assert.True(Assert.Single(store.ReadPending(10)).Sequence > pending.Sequence);
    }

    private static OpenCheckRecord OpenCheck(string checkId, int lines) =>
        new(new Check { CheckId = checkId, State = CheckState.Open, Lines = { Enumerable.Range(1, lines).Select(i => new CheckLine { LineId = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }) } },
            "4000000000001", CardFromCentral: false, NextLine: lines + 1);

    [Fact]
    public void SaveOpenCheck_WritesTheOpenChecksFileNotTheAgentDatabase()
    {
        using var store = CreateSut();
        store.Commit(Sale(), null, 0);
        var agentWal = new FileInfo(_dir.File("agent.db") + "-wal");
        var openChecksWal = new FileInfo(_dir.File("agent-open-checks.db") + "-wal");
        var agentWalBefore = agentWal.Length;
        openChecksWal.Refresh();
        var openChecksBefore = openChecksWal.Exists ? openChecksWal.Length : 0;

        for (var i = 0; i < 20; i++)
        {
            store.SaveOpenCheck(OpenCheck("check-" + i, lines: 3));
        }

        agentWal.Refresh();
        openChecksWal.Refresh();
        // A commit's fsync flushes the agent database's WAL: edits of unpaid checks must not be in it.
        Assert.Equal(agentWalBefore, agentWal.Length);
        Assert.True(openChecksWal.Length > openChecksBefore, "the open checks went to agent-open-checks.db");
        Assert.Equal(20, store.LoadOpenChecks().Count);
    }

    [Fact]
    public void OpenChecks_SurviveReopen_AndCommittedOrDeletedOnesAreGone()
    {
        using (var store = CreateSut())
        {
            store.SaveOpenCheck(OpenCheck("kept", lines: 2));
            store.SaveOpenCheck(OpenCheck("cancelled", lines: 1));
            store.SaveOpenCheck(OpenCheck("paid", lines: 1));
            store.DeleteOpenCheck("cancelled");
            var sale = Sale();
            store.Commit(sale, new Check { CheckId = "paid", State = CheckState.Committed, OperationId = sale.OperationId }, 0);
        }

        using var reopened = CreateSut();
        var record = Assert.Single(reopened.LoadOpenChecks());
        Assert.Equal("kept", record.Check.CheckId);
        Assert.Equal(2, record.Check.Lines.Count);
        Assert.Equal(3, record.NextLine);
    }

    [Fact]
    public void Open_SchemaThreeDatabase_MovesItsOpenChecksToTheirOwnFile()
    {
        var path = _dir.File("agent.db");
        var row = OpenCheck("from-v3", lines: 2);
        // Schema 3: the schema 4 tables, and open checks in the agent database.
        CreateLegacyDatabase(3, """
            CREATE TABLE open_checks (check_id TEXT PRIMARY KEY, card_number TEXT, card_from_central INTEGER NOT NULL, next_line INTEGER NOT NULL,
                check_proto BLOB NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO open_checks VALUES ('from-v3', '4000000000001', 0, 3, $proto, 1);
            INSERT INTO outbox(op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent)
                VALUES ('op-1', 'sale', '4000000000001', 1, 1, x'00', 0, 1, 30, 0);
            """, row.Check.ToByteArray());

        using (var migrated = AgentStore.Open(path, _time))
        {
            var record = Assert.Single(migrated.LoadOpenChecks());
            Assert.Equal("from-v3", record.Check.CheckId);
            Assert.Equal(2, record.Check.Lines.Count);
            Assert.Equal("4000000000001", record.CardNumber);
            Assert.Single(migrated.ReadPending(10));
        }

        Assert.Equal(0L, ReadLong("SELECT count(*) FROM sqlite_master WHERE name = 'open_checks'"));
        Assert.Equal(5L, ReadLong("PRAGMA user_version"));
    }

    [Fact]
    public void Open_UnreadableOpenChecksFile_IsMovedAsideAndTheAgentStartsWithNone()
    {
        var path = _dir.File("agent.db");
        var sale = Sale();
        using (var store = AgentStore.Open(path, _time))
        {
            store.Commit(sale, null, 0);
            store.SaveOpenCheck(OpenCheck("lost", lines: 1));
        }

        var openChecks = AgentStore.OpenChecksPath(path);
        File.WriteAllText(openChecks, new string('x', 4096));
        File.Delete(openChecks + "-wal");

        using var reopened = AgentStore.Open(path, _time);

        Assert.NotNull(reopened.UnreadableOpenChecksMovedTo);
        Assert.StartsWith(openChecks + ".unreadable-", reopened.UnreadableOpenChecksMovedTo, StringComparison.Ordinal);
        Assert.Equal(new string('x', 4096), File.ReadAllText(reopened.UnreadableOpenChecksMovedTo!));
        Assert.Empty(reopened.LoadOpenChecks());
        Assert.Equal(sale.OperationId, Assert.Single(reopened.ReadPending(10)).OperationId);
        reopened.SaveOpenCheck(OpenCheck("new", lines: 2));
        Assert.Equal("new", Assert.Single(reopened.LoadOpenChecks()).Check.CheckId);
    }

    [Fact]
    public void Open_UnreadableAgentDatabase_FailsNamingTheFileAndLeavesItAlone()
    {
        var path = _dir.File("agent.db");
        File.WriteAllText(path, new string('x', 4096));

        var error = Assert.Throws<InvalidOperationException>(() => AgentStore.Open(path, _time));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not yet sent to the central service", error.Message, StringComparison.Ordinal);
        Assert.Equal(new string('x', 4096), File.ReadAllText(path));
    }

    [Fact]
    public void Open_OpenChecksPathIsADirectory_FailsNamingIt()
    {
        var path = _dir.File("agent.db");
        Directory.CreateDirectory(AgentStore.OpenChecksPath(path));

        var error = Assert.Throws<InvalidOperationException>(() => AgentStore.Open(path, _time));

        Assert.Contains(AgentStore.OpenChecksPath(path), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AgentDatabasePathIsADirectory_FailsNamingIt()
    {
        var path = _dir.File("agent.db");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<InvalidOperationException>(() => AgentStore.Open(path, _time));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
