using System.Data.Common;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Storage;

/// <summary>The SQL of every store operation, shared by SQLite and PostgreSQL.</summary>
internal sealed class SqlStoreSession(SqlDialect dialect, DbConnection connection, DbTransaction transaction) : IStoreSession
{
    private const string CredentialColumns = "credential_id, role, terminal_id, store_id, description, secret_hash, created_at, revoked_at, last_seen_at, scope";

    // A credential is read with its store's chain.
    private const string CredentialSelect = """
        SELECT c.credential_id, c.role, c.terminal_id, c.store_id, c.description, c.secret_hash, c.created_at, c.revoked_at, c.last_seen_at, c.scope, s.chain_id
        FROM credentials c LEFT JOIN stores s ON s.store_id = c.store_id
        """;
    private const string ProgramColumns = "program_id, version, definition_json, name, currency, loaded_at, active, activated_at";
    private const string MemberColumns = "member_id, request_id, phone, payload, registered_at";
    private const string AccountColumns = "account_id, member_id, program_id, state_json, version, balance, usable, pending, tier, status, joined_at, updated_at";
    private const string CardColumns = "card_number, account_id, status, issued_at, valid_until, replaced_by, reason, request_id";
    private const string LedgerColumns = "transaction_id, account_id, terminal_id, store_id, kind, business_time, applied_at, outcome, request, result";
    private const string JobColumns = "job, period, ran_at, as_of, accounts_affected, points_delta";
    private const string HoldColumns = "authorization_id, account_id, terminal_id, points, business_time, created_at, expires_at";

    // ---- credentials ----

    public Task InsertCredentialAsync(CredentialRecord credential, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO credentials ({CredentialColumns}) VALUES (@id, @role, @terminal, @store, @description, @hash, @created, @revoked, @seen, @scope)",
            c =>
            {
                SqlParams.Add(c, "@id", credential.CredentialId);
                SqlParams.Add(c, "@role", credential.Role);
                SqlParams.Add(c, "@terminal", credential.TerminalId);
                SqlParams.Add(c, "@store", credential.StoreId);
                SqlParams.Add(c, "@description", credential.Description);
                SqlParams.Add(c, "@hash", credential.SecretHash);
                SqlParams.Add(c, "@created", credential.CreatedAt);
                SqlParams.Add(c, "@revoked", credential.RevokedAt);
                SqlParams.Add(c, "@seen", credential.LastSeenAt);
                SqlParams.Add(c, "@scope", (int)credential.Scope);
            },
            cancellationToken);

    public async Task<CredentialRecord?> GetCredentialAsync(string credentialId, CancellationToken cancellationToken) =>
        (await QueryAsync($"{CredentialSelect} WHERE c.credential_id = @id", c => SqlParams.Add(c, "@id", credentialId), ReadCredential, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public Task<IReadOnlyList<CredentialRecord>> ListCredentialsAsync(CredentialRole role, CancellationToken cancellationToken) =>
        QueryAsync($"{CredentialSelect} WHERE c.role = @role ORDER BY c.terminal_id, c.created_at", c => SqlParams.Add(c, "@role", role), ReadCredential, cancellationToken);

    public Task<int> RevokeCredentialsAsync(CredentialRole role, string terminalOrCredentialId, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE credentials SET revoked_at = @at WHERE role = @role AND revoked_at IS NULL AND (terminal_id = @id OR credential_id = @id)",
            c =>
            {
                SqlParams.Add(c, "@at", at);
                SqlParams.Add(c, "@role", role);
                SqlParams.Add(c, "@id", terminalOrCredentialId);
            },
            cancellationToken);

    public Task TouchCredentialAsync(string credentialId, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE credentials SET last_seen_at = @at WHERE credential_id = @id",
            c =>
            {
                SqlParams.Add(c, "@at", at);
                SqlParams.Add(c, "@id", credentialId);
            },
            cancellationToken);

    public Task<int> SetCredentialScopeAsync(string terminalId, CredentialScope scope, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE credentials SET scope = @scope WHERE role = @role AND revoked_at IS NULL AND terminal_id = @id",
            c =>
            {
                SqlParams.Add(c, "@scope", (int)scope);
                SqlParams.Add(c, "@role", CredentialRole.Terminal);
                SqlParams.Add(c, "@id", terminalId);
            },
            cancellationToken);

    // ---- stores and chains ----

    public async Task<IReadOnlyDictionary<string, string>> GetStoreChainsAsync(IReadOnlyCollection<string> storeIds, CancellationToken cancellationToken)
    {
        if (storeIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        await using var command = Command();
        command.CommandText = $"SELECT store_id, chain_id FROM stores WHERE {dialect.InList(command, "store_id", storeIds.Distinct(StringComparer.Ordinal).ToList())}";
        var rows = await ReadAllAsync(command, r => (Store: r.GetString(0), Chain: r.GetString(1)), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Store, r => r.Chain, StringComparer.Ordinal);
    }

    public Task InsertStoreChainAsync(string storeId, string chainId, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO stores (store_id, chain_id, assigned_at) VALUES (@store, @chain, @at) ON CONFLICT (store_id) DO NOTHING",
            c =>
            {
                SqlParams.Add(c, "@store", storeId);
                SqlParams.Add(c, "@chain", chainId);
                SqlParams.Add(c, "@at", at);
            },
            cancellationToken);

    // ---- programs ----

    public Task InsertProgramAsync(ProgramRecord program, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO programs ({ProgramColumns}) VALUES (@id, @version, @json, @name, @currency, @loaded, @active, @activated)",
            c =>
            {
                SqlParams.Add(c, "@id", program.ProgramId);
                SqlParams.Add(c, "@version", program.Version);
                SqlParams.Add(c, "@json", program.DefinitionJson);
                SqlParams.Add(c, "@name", program.Name);
                SqlParams.Add(c, "@currency", program.Currency);
                SqlParams.Add(c, "@loaded", program.LoadedAt);
                SqlParams.Add(c, "@active", program.Active);
                SqlParams.Add(c, "@activated", program.ActivatedAt);
            },
            cancellationToken);

    public async Task<ProgramRecord?> GetProgramAsync(string programId, string? version, CancellationToken cancellationToken)
    {
        var sql = version is null
            ? $"SELECT {ProgramColumns} FROM programs WHERE program_id = @id AND active = 1"
            : $"SELECT {ProgramColumns} FROM programs WHERE program_id = @id AND version = @version";
        var rows = await QueryAsync(
            sql,
            c =>
            {
                SqlParams.Add(c, "@id", programId);
                if (version is not null)
                {
                    SqlParams.Add(c, "@version", version);
                }
            },
            ReadProgram,
            cancellationToken).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    public Task<IReadOnlyList<ProgramRecord>> ListProgramsAsync(bool includeInactive, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {ProgramColumns} FROM programs {(includeInactive ? string.Empty : "WHERE active = 1")} ORDER BY program_id, loaded_at",
            _ => { },
            ReadProgram,
            cancellationToken);

    public async Task ActivateProgramAsync(string programId, string version, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await ExecuteAsync("UPDATE programs SET active = 0 WHERE program_id = @id AND version <> @version AND active = 1", c =>
        {
            SqlParams.Add(c, "@id", programId);
            SqlParams.Add(c, "@version", version);
        }, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("UPDATE programs SET active = 1, activated_at = @at WHERE program_id = @id AND version = @version", c =>
        {
            SqlParams.Add(c, "@at", at);
            SqlParams.Add(c, "@id", programId);
            SqlParams.Add(c, "@version", version);
        }, cancellationToken).ConfigureAwait(false);
    }

    // ---- members ----

    public Task InsertMemberAsync(MemberRecord member, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO members ({MemberColumns}) VALUES (@id, @request, @phone, @payload, @at)",
            c =>
            {
                SqlParams.Add(c, "@id", member.MemberId);
                SqlParams.Add(c, "@request", member.RequestId);
                SqlParams.Add(c, "@phone", member.Phone);
                SqlParams.Add(c, "@payload", member.Payload);
                SqlParams.Add(c, "@at", member.RegisteredAt);
            },
            cancellationToken);

    public async Task<MemberRecord?> GetMemberAsync(string memberId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {MemberColumns} FROM members WHERE member_id = @id", c => SqlParams.Add(c, "@id", memberId), ReadMember, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public async Task<MemberRecord?> GetMemberByRequestAsync(string requestId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {MemberColumns} FROM members WHERE request_id = @id", c => SqlParams.Add(c, "@id", requestId), ReadMember, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    // ---- accounts ----

    public Task InsertAccountAsync(AccountRecord account, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO accounts ({AccountColumns}) VALUES (@id, @member, @program, @state, @version, @balance, @usable, @pending, @tier, @status, @joined, @updated)",
            c => AddAccount(c, account, string.Empty),
            cancellationToken);

    public async Task<IReadOnlyDictionary<string, AccountRecord>> GetAccountsAsync(IReadOnlyCollection<string> accountIds, bool forUpdate, CancellationToken cancellationToken) =>
        (await ReadAccountsAsync(AccountColumns, accountIds, forUpdate, ReadAccount, cancellationToken).ConfigureAwait(false))
        .ToDictionary(a => a.AccountId, StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, long>> GetAccountVersionsAsync(IReadOnlyCollection<string> accountIds, bool forUpdate, CancellationToken cancellationToken) =>
        (await ReadAccountsAsync("account_id, version", accountIds, forUpdate, r => (Id: r.GetString(0), Version: SqlParams.Long(r, 1)), cancellationToken).ConfigureAwait(false))
        .ToDictionary(a => a.Id, a => a.Version, StringComparer.Ordinal);

    public Task<IReadOnlyList<AccountRecord>> ListAccountsByMemberAsync(string memberId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {AccountColumns} FROM accounts WHERE member_id = @id ORDER BY joined_at", c => SqlParams.Add(c, "@id", memberId), ReadAccount, cancellationToken);

    private const string UpdateAccountSql =
        "UPDATE accounts SET state_json = @state{0}, version = @version{0}, balance = @balance{0}, usable = @usable{0}, pending = @pending{0}, tier = @tier{0}, status = @status{0}, updated_at = @updated{0} " +
        "WHERE account_id = @id{0} AND version = @expected{0}";

    public Task UpdateAccountAsync(AccountRecord account, long expectedVersion, CancellationToken cancellationToken) =>
        UpdateAccountsAsync([(account, expectedVersion)], cancellationToken);

    public async Task UpdateAccountsAsync(IReadOnlyList<(AccountRecord Account, long ExpectedVersion)> updates, CancellationToken cancellationToken)
    {
        if (updates.Count == 0)
        {
            return;
        }

        var changed = 0;
        if (dialect.SingleWriter)
        {
            // SQLite: one prepared statement, re-bound per account (re-preparing costs more than the update).
            await using var command = Command();
            command.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, UpdateAccountSql, string.Empty);
            foreach (var (account, expected) in updates)
            {
                command.Parameters.Clear();
                AddAccount(command, account, string.Empty);
                SqlParams.Add(command, "@expected", expected);
                changed += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            // PostgreSQL: every UPDATE in one command, one round trip.
            await using var command = Command();
            var sql = new System.Text.StringBuilder();
            for (var i = 0; i < updates.Count; i++)
            {
                var suffix = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                sql.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, UpdateAccountSql, suffix)).Append(";\n");
                AddAccount(command, updates[i].Account, suffix);
                SqlParams.Add(command, "@expected" + suffix, updates[i].ExpectedVersion);
            }

            command.CommandText = sql.ToString();
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Distinct primary keys: each statement changes at most one row, so the sum tells whether all did.
        if (changed != updates.Count)
        {
            throw new StoreConflictException($"{updates.Count - changed} of {updates.Count} account(s) changed concurrently (version check failed), e.g. {updates[0].Account.AccountId}.");
        }
    }

    public Task<IReadOnlyList<string>> ListAccountIdsAsync(string afterAccountId, int limit, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT account_id FROM accounts WHERE account_id > @after ORDER BY account_id LIMIT @limit",
            c =>
            {
                SqlParams.Add(c, "@after", afterAccountId);
                SqlParams.Add(c, "@limit", limit);
            },
            r => r.GetString(0),
            cancellationToken);

    public Task<IReadOnlyList<LiabilityRecord>> GetLiabilityAsync(CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT program_id, tier, COUNT(*), SUM(balance), SUM(usable), SUM(pending) FROM accounts GROUP BY program_id, tier ORDER BY program_id, tier",
            _ => { },
            r => new LiabilityRecord(r.GetString(0), r.GetString(1), SqlParams.Long(r, 2), SqlParams.Long(r, 3), SqlParams.Long(r, 4), SqlParams.Long(r, 5)),
            cancellationToken);

    // ---- cards ----

    public Task InsertCardAsync(CardRecord card, CancellationToken cancellationToken) =>
        ExecuteAsync($"INSERT INTO cards ({CardColumns}) VALUES (@number, @account, @status, @issued, @until, @replaced, @reason, @request)", c => AddCard(c, card), cancellationToken);

    public async Task<CardRecord?> GetCardAsync(string cardNumber, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {CardColumns} FROM cards WHERE card_number = @number", c => SqlParams.Add(c, "@number", cardNumber), ReadCard, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public async Task<CardRecord?> GetCardByRequestAsync(string requestId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {CardColumns} FROM cards WHERE request_id = @request", c => SqlParams.Add(c, "@request", requestId), ReadCard, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public async Task<IReadOnlyDictionary<string, CardRecord>> GetCardsAsync(IReadOnlyCollection<string> cardNumbers, CancellationToken cancellationToken)
    {
        if (cardNumbers.Count == 0)
        {
            return new Dictionary<string, CardRecord>();
        }

        await using var command = Command();
        command.CommandText = $"SELECT {CardColumns} FROM cards WHERE {dialect.InList(command, "card_number", cardNumbers.Distinct(StringComparer.Ordinal).ToList())}";
        var rows = await ReadAllAsync(command, ReadCard, cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(c => c.CardNumber, StringComparer.Ordinal);
    }

    public Task<IReadOnlyList<CardRecord>> ListCardsByAccountAsync(string accountId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {CardColumns} FROM cards WHERE account_id = @account ORDER BY issued_at", c => SqlParams.Add(c, "@account", accountId), ReadCard, cancellationToken);

    public Task UpdateCardAsync(CardRecord card, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE cards SET account_id = @account, status = @status, issued_at = @issued, valid_until = @until, replaced_by = @replaced, reason = @reason, request_id = @request WHERE card_number = @number",
            c => AddCard(c, card),
            cancellationToken);

    public Task<IReadOnlyList<CardRecord>> ListActiveCardsEndingAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {CardColumns} FROM cards WHERE status = @status AND valid_until IS NOT NULL AND valid_until <= @before ORDER BY card_number LIMIT @limit",
            c =>
            {
                SqlParams.Add(c, "@status", CardStatus.Active);
                SqlParams.Add(c, "@before", before);
                SqlParams.Add(c, "@limit", limit);
            },
            ReadCard,
            cancellationToken);

    // ---- ledger ----

    public async Task<IReadOnlyDictionary<string, LedgerEntry>> GetEntriesAsync(IReadOnlyCollection<string> transactionIds, CancellationToken cancellationToken)
    {
        if (transactionIds.Count == 0)
        {
            return new Dictionary<string, LedgerEntry>();
        }

        await using var command = Command();
        command.CommandText = $"SELECT {LedgerColumns} FROM ledger WHERE {dialect.InList(command, "transaction_id", transactionIds.Distinct(StringComparer.Ordinal).ToList())}";
        var rows = await ReadAllAsync(command, ReadEntry, cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(e => e.TransactionId, StringComparer.Ordinal);
    }

    public Task<IReadOnlyList<LedgerEntry>> ListAccountEntriesAsync(string accountId, (DateTimeOffset BusinessTime, string TransactionId)? before, int limit, CancellationToken cancellationToken, LedgerVisibility? visibleTo = null)
    {
        var page = before is null ? string.Empty : " AND (business_time < @time OR (business_time = @time AND transaction_id < @id))";

        // A terminal sees its store's entries, its chain's stores' when it is chain-scoped, and the
        // service's own operations on the card (enrolment, grants: store 'service' or 'admin').
        var scope = visibleTo switch
        {
            null => string.Empty,
            { ChainId: null } => " AND (store_id = @store OR store_id IN ('service', 'admin'))",
            _ => " AND (store_id = @store OR store_id IN ('service', 'admin') OR store_id IN (SELECT store_id FROM stores WHERE chain_id = @chain))",
        };
        return QueryAsync(
            $"SELECT {LedgerColumns} FROM ledger WHERE account_id = @account{page}{scope} ORDER BY business_time DESC, transaction_id DESC LIMIT @limit",
            c =>
            {
                SqlParams.Add(c, "@account", accountId);
                SqlParams.Add(c, "@limit", limit);
                if (before is { } b)
                {
                    SqlParams.Add(c, "@time", b.BusinessTime);
                    SqlParams.Add(c, "@id", b.TransactionId);
                }

                if (visibleTo is not null)
                {
                    SqlParams.Add(c, "@store", visibleTo.StoreId);
                    if (visibleTo.ChainId is { } chain)
                    {
                        SqlParams.Add(c, "@chain", chain);
                    }
                }
            },
            ReadEntry,
            cancellationToken);
    }

    public async Task ArchiveOrdersAsync(IReadOnlyList<ArchivedOrder> orders, CancellationToken cancellationToken)
    {
        // Few rows per batch (an account folds what aged past the horizon since its last sale).
        await using var command = Command();
        command.CommandText =
            "INSERT INTO order_archive (transaction_id, account_id, business_time, order_json) VALUES (@id, @account, @at, @json) " +
            "ON CONFLICT (transaction_id) DO UPDATE SET order_json = excluded.order_json";
        foreach (var o in orders)
        {
            command.Parameters.Clear();
            SqlParams.Add(command, "@id", o.TransactionId);
            SqlParams.Add(command, "@account", o.AccountId);
            SqlParams.Add(command, "@at", o.BusinessTime);
            SqlParams.Add(command, "@json", o.OrderJson);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyDictionary<string, ArchivedOrder>> GetArchivedOrdersAsync(IReadOnlyCollection<string> transactionIds, CancellationToken cancellationToken)
    {
        if (transactionIds.Count == 0)
        {
            return new Dictionary<string, ArchivedOrder>();
        }

        await using var command = Command();
        command.CommandText = $"SELECT transaction_id, account_id, business_time, order_json FROM order_archive WHERE {dialect.InList(command, "transaction_id", transactionIds.Distinct(StringComparer.Ordinal).ToList())}";
        var rows = await ReadAllAsync(command, r => new ArchivedOrder(r.GetString(0), r.GetString(1), SqlParams.Time(r, 2), r.GetString(3)), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(o => o.TransactionId, StringComparer.Ordinal);
    }

    public async Task InsertEntriesAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        // SQLite: one prepared single-row INSERT re-bound per entry; PostgreSQL: multi-row INSERTs,
        // one round trip per chunk.
        var chunk = dialect.SingleWriter ? 1 : 100;
        await using var single = Command();
        for (var start = 0; start < entries.Count; start += chunk)
        {
            var slice = entries.Skip(start).Take(chunk).ToList();
            await using var multi = dialect.SingleWriter ? null : Command();
            var command = multi ?? single;
            command.Parameters.Clear();
            var values = new List<string>(slice.Count);
            for (var i = 0; i < slice.Count; i++)
            {
                var e = slice[i];
                var n = dialect.SingleWriter ? string.Empty : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                values.Add($"(@id{n}, @account{n}, @terminal{n}, @store{n}, @kind{n}, @business{n}, @applied{n}, @outcome{n}, @request{n}, @result{n})");
                SqlParams.Add(command, $"@id{n}", e.TransactionId);
                SqlParams.Add(command, $"@account{n}", e.AccountId);
                SqlParams.Add(command, $"@terminal{n}", e.TerminalId);
                SqlParams.Add(command, $"@store{n}", e.StoreId);
                SqlParams.Add(command, $"@kind{n}", e.Kind);
                SqlParams.Add(command, $"@business{n}", e.BusinessTime);
                SqlParams.Add(command, $"@applied{n}", e.AppliedAt);
                SqlParams.Add(command, $"@outcome{n}", e.Outcome);
                SqlParams.Add(command, $"@request{n}", e.Request);
                SqlParams.Add(command, $"@result{n}", e.Result);
            }

            var sql = $"INSERT INTO ledger ({LedgerColumns}) VALUES {string.Join(", ", values)}";
            if (command.CommandText != sql)
            {
                command.CommandText = sql;
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // ---- changes ----

    public async Task<long> AppendChangeAsync(DateTimeOffset time, byte[] payload, CancellationToken cancellationToken)
    {
        // The counter row serializes appends, so cursors become visible in order with no gaps
        // (a sequence could commit 8 before 7, and a reader at 8 would never see 7).
        await ExecuteAsync("UPDATE change_counter SET value = value + 1 WHERE id = 1", _ => { }, cancellationToken).ConfigureAwait(false);
        var cursor = (await QueryAsync("SELECT value FROM change_counter WHERE id = 1", _ => { }, r => SqlParams.Long(r, 0), cancellationToken).ConfigureAwait(false))[0];
        await ExecuteAsync("INSERT INTO changes (cursor, time, payload) VALUES (@cursor, @time, @payload)", c =>
        {
            SqlParams.Add(c, "@cursor", cursor);
            SqlParams.Add(c, "@time", time);
            SqlParams.Add(c, "@payload", payload);
        }, cancellationToken).ConfigureAwait(false);
        return cursor;
    }

    public Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterCursor, int max, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT cursor, time, payload FROM changes WHERE cursor > @after ORDER BY cursor LIMIT @max",
            c =>
            {
                SqlParams.Add(c, "@after", afterCursor);
                SqlParams.Add(c, "@max", max);
            },
            r => new ChangeRecord(SqlParams.Long(r, 0), SqlParams.Time(r, 1), SqlParams.Bytes(r, 2)),
            cancellationToken);

    public async Task<long> GetLatestCursorAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT value FROM change_counter WHERE id = 1", _ => { }, r => SqlParams.Long(r, 0), cancellationToken).ConfigureAwait(false))[0];

    // ---- jobs ----

    // ---- redemption holds ----

    public Task<IReadOnlyList<HoldRecord>> GetActiveHoldsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {HoldColumns} FROM redemption_holds WHERE account_id = @account AND expires_at > @now ORDER BY business_time, authorization_id",
            c =>
            {
                SqlParams.Add(c, "@account", accountId);
                SqlParams.Add(c, "@now", now);
            },
            ReadHold,
            cancellationToken);

    public async Task<HoldRecord?> GetHoldAsync(string authorizationId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {HoldColumns} FROM redemption_holds WHERE authorization_id = @id", c => SqlParams.Add(c, "@id", authorizationId), ReadHold, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public Task PutHoldAsync(HoldRecord hold, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO redemption_holds ({HoldColumns}) VALUES (@id, @account, @terminal, @points, @at, @created, @expires) " +
            "ON CONFLICT (authorization_id) DO UPDATE SET account_id = excluded.account_id, terminal_id = excluded.terminal_id, points = excluded.points, " +
            "business_time = excluded.business_time, created_at = excluded.created_at, expires_at = excluded.expires_at",
            c =>
            {
                SqlParams.Add(c, "@id", hold.AuthorizationId);
                SqlParams.Add(c, "@account", hold.AccountId);
                SqlParams.Add(c, "@terminal", hold.TerminalId);
                SqlParams.Add(c, "@points", hold.Points);
                SqlParams.Add(c, "@at", hold.BusinessTime);
                SqlParams.Add(c, "@created", hold.CreatedAt);
                SqlParams.Add(c, "@expires", hold.ExpiresAt);
            },
            cancellationToken);

    public async Task<int> DeleteHoldsAsync(IReadOnlyCollection<string> authorizationIds, CancellationToken cancellationToken)
    {
        if (authorizationIds.Count == 0)
        {
            return 0;
        }

        await using var command = Command();
        command.CommandText = $"DELETE FROM redemption_holds WHERE {dialect.InList(command, "authorization_id", authorizationIds)}";
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> AnyExpiredHoldsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT authorization_id FROM redemption_holds WHERE expires_at <= @now LIMIT 1", c => SqlParams.Add(c, "@now", now), r => r.GetString(0), cancellationToken).ConfigureAwait(false)).Count > 0;

    public Task<int> DeleteAllExpiredHoldsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM redemption_holds WHERE expires_at <= @now", c => SqlParams.Add(c, "@now", now), cancellationToken);

    public Task<int> DeleteExpiredHoldsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "DELETE FROM redemption_holds WHERE account_id = @account AND expires_at <= @now",
            c =>
            {
                SqlParams.Add(c, "@account", accountId);
                SqlParams.Add(c, "@now", now);
            },
            cancellationToken);

    public async Task<JobRunRecord?> GetJobRunAsync(string job, string period, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {JobColumns} FROM job_runs WHERE job = @job AND period = @period",
            c =>
            {
                SqlParams.Add(c, "@job", job);
                SqlParams.Add(c, "@period", period);
            },
            ReadJobRun,
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<JobRunRecord?> GetLastJobRunAsync(string job, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {JobColumns} FROM job_runs WHERE job = @job ORDER BY period DESC LIMIT 1", c => SqlParams.Add(c, "@job", job), ReadJobRun, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public Task UpdateJobRunAsync(JobRunRecord run, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE job_runs SET ran_at = @ran, as_of = @asof, accounts_affected = @accounts, points_delta = @points WHERE job = @job AND period = @period",
            c =>
            {
                SqlParams.Add(c, "@job", run.Job);
                SqlParams.Add(c, "@period", run.Period);
                SqlParams.Add(c, "@ran", run.RanAt);
                SqlParams.Add(c, "@asof", run.AsOf);
                SqlParams.Add(c, "@accounts", run.AccountsAffected);
                SqlParams.Add(c, "@points", run.PointsDelta);
            },
            cancellationToken);

    public Task InsertJobRunAsync(JobRunRecord run, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO job_runs ({JobColumns}) VALUES (@job, @period, @ran, @asof, @accounts, @points)",
            c =>
            {
                SqlParams.Add(c, "@job", run.Job);
                SqlParams.Add(c, "@period", run.Period);
                SqlParams.Add(c, "@ran", run.RanAt);
                SqlParams.Add(c, "@asof", run.AsOf);
                SqlParams.Add(c, "@accounts", run.AccountsAffected);
                SqlParams.Add(c, "@points", run.PointsDelta);
            },
            cancellationToken);

    // ---- plumbing ----

    private static void AddAccount(DbCommand c, AccountRecord a, string suffix)
    {
        SqlParams.Add(c, "@id" + suffix, a.AccountId);
        SqlParams.Add(c, "@state" + suffix, a.StateJson);
        SqlParams.Add(c, "@version" + suffix, a.Version);
        SqlParams.Add(c, "@balance" + suffix, a.Figures.Balance);
        SqlParams.Add(c, "@usable" + suffix, a.Figures.Usable);
        SqlParams.Add(c, "@pending" + suffix, a.Figures.Pending);
        SqlParams.Add(c, "@tier" + suffix, a.Figures.Tier);
        SqlParams.Add(c, "@status" + suffix, a.Figures.Status);
        SqlParams.Add(c, "@updated" + suffix, a.UpdatedAt);
        if (suffix.Length == 0)
        {
            // Only the INSERT uses these; an UPDATE would reject parameters it does not name (SQLite).
            SqlParams.Add(c, "@member", a.MemberId);
            SqlParams.Add(c, "@program", a.ProgramId);
            SqlParams.Add(c, "@joined", a.JoinedAt);
        }
    }

    private static void AddCard(DbCommand c, CardRecord card)
    {
        SqlParams.Add(c, "@number", card.CardNumber);
        SqlParams.Add(c, "@account", card.AccountId);
        SqlParams.Add(c, "@status", card.Status);
        SqlParams.Add(c, "@issued", card.IssuedAt);
        SqlParams.Add(c, "@until", card.ValidUntil);
        SqlParams.Add(c, "@replaced", card.ReplacedBy);
        SqlParams.Add(c, "@reason", card.Reason);
        SqlParams.Add(c, "@request", card.RequestId);
    }

    private static CredentialRecord ReadCredential(DbDataReader r) => new(
        r.GetString(0), (CredentialRole)SqlParams.Long(r, 1), SqlParams.NullableString(r, 2), SqlParams.NullableString(r, 3),
        r.GetString(4), SqlParams.Bytes(r, 5), SqlParams.Time(r, 6), SqlParams.NullableTime(r, 7), SqlParams.NullableTime(r, 8),
        (CredentialScope)SqlParams.Long(r, 9), SqlParams.NullableString(r, 10));

    private static ProgramRecord ReadProgram(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), SqlParams.Time(r, 5), SqlParams.Long(r, 6) != 0, SqlParams.NullableTime(r, 7));

    private static MemberRecord ReadMember(DbDataReader r) => new(
        r.GetString(0), SqlParams.NullableString(r, 1), r.GetString(2), SqlParams.Bytes(r, 3), SqlParams.Time(r, 4));

    private static AccountRecord ReadAccount(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), SqlParams.Long(r, 4),
        new AccountFigures(SqlParams.Long(r, 5), SqlParams.Long(r, 6), SqlParams.Long(r, 7), r.GetString(8), r.GetString(9)),
        SqlParams.Time(r, 10), SqlParams.Time(r, 11));

    private static CardRecord ReadCard(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), (CardStatus)SqlParams.Long(r, 2), SqlParams.Time(r, 3), SqlParams.NullableTime(r, 4),
        SqlParams.NullableString(r, 5), SqlParams.NullableString(r, 6), SqlParams.NullableString(r, 7));

    private static LedgerEntry ReadEntry(DbDataReader r) => new(
        r.GetString(0), SqlParams.NullableString(r, 1), r.GetString(2), r.GetString(3), r.GetString(4), SqlParams.Time(r, 5),
        SqlParams.Time(r, 6), (int)SqlParams.Long(r, 7), SqlParams.Bytes(r, 8), SqlParams.Bytes(r, 9));

    private static HoldRecord ReadHold(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), SqlParams.Long(r, 3), SqlParams.Time(r, 4), SqlParams.Time(r, 5), SqlParams.Time(r, 6));

    private static JobRunRecord ReadJobRun(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), SqlParams.Time(r, 2), SqlParams.Time(r, 3), SqlParams.Long(r, 4), SqlParams.Long(r, 5));

    /// <summary>Accounts by id, in id order (the order row locks are taken in, so two writers never wait on each other in a cycle).</summary>
    private async Task<IReadOnlyList<T>> ReadAccountsAsync<T>(string columns, IReadOnlyCollection<string> accountIds, bool forUpdate, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        if (accountIds.Count == 0)
        {
            return [];
        }

        await using var command = Command();
        var sorted = accountIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        command.CommandText = $"SELECT {columns} FROM accounts WHERE {dialect.InList(command, "account_id", sorted)} ORDER BY account_id{(forUpdate ? dialect.ForUpdate : string.Empty)}";
        return await ReadAllAsync(command, read, cancellationToken).ConfigureAwait(false);
    }

    private DbCommand Command()
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        return command;
    }

    private async Task<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await using var command = Command();
        command.CommandText = sql;
        bind(command);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = Command();
        command.CommandText = sql;
        bind(command);
        return await ReadAllAsync(command, read, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(read(reader));
        }

        return list;
    }
}
