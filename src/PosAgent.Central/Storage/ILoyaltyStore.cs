namespace PosAgent.Central.Storage;

/// <summary>
/// The service's database: SQLite (embedded default) or PostgreSQL (several instances).
/// All work happens in short transactions through <see cref="WriteAsync{T}"/> and
/// <see cref="ReadAsync{T}"/>; a write that meets a concurrent one (a unique-key race,
/// a serialization failure, a busy database) is rolled back and run again from the start,
/// so the work delegate must be free of side effects outside the transaction.
/// </summary>
public interface ILoyaltyStore : IAsyncDisposable
{
    StoreKind Kind { get; }

    /// <summary>Applies every pending schema migration; returns how many ran.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    /// <summary>The schema version of the database (0 when empty).</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a write transaction (accounts it reads with lock are row-locked).</summary>
    Task<T> WriteAsync<T>(Func<IStoreSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a read-only transaction.</summary>
    Task<T> ReadAsync<T>(Func<IStoreSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>The operations available inside one store transaction.</summary>
public interface IStoreSession
{
    // Credentials
    Task InsertCredentialAsync(CredentialRecord credential, CancellationToken cancellationToken);

    Task<CredentialRecord?> GetCredentialAsync(string credentialId, CancellationToken cancellationToken);

    Task<IReadOnlyList<CredentialRecord>> ListCredentialsAsync(CredentialRole role, CancellationToken cancellationToken);

    /// <summary>Revokes every active credential of a terminal (or the admin credential with that id); returns how many.</summary>
    Task<int> RevokeCredentialsAsync(CredentialRole role, string terminalOrCredentialId, DateTimeOffset at, CancellationToken cancellationToken);

    Task TouchCredentialAsync(string credentialId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Sets the scope of every active credential of a terminal; returns how many.</summary>
    Task<int> SetCredentialScopeAsync(string terminalId, CredentialScope scope, CancellationToken cancellationToken);

    // Stores and chains
    /// <summary>The chain of each given store that has one (store id to chain id).</summary>
    Task<IReadOnlyDictionary<string, string>> GetStoreChainsAsync(IReadOnlyCollection<string> storeIds, CancellationToken cancellationToken);

    /// <summary>Puts a store in a chain unless it is already in one (that one stays: read it back to compare).</summary>
    Task InsertStoreChainAsync(string storeId, string chainId, DateTimeOffset at, CancellationToken cancellationToken);

    // Programs
    Task InsertProgramAsync(ProgramRecord program, CancellationToken cancellationToken);

    /// <summary>The given version, or the active one when <paramref name="version"/> is null.</summary>
    Task<ProgramRecord?> GetProgramAsync(string programId, string? version, CancellationToken cancellationToken);

    Task<IReadOnlyList<ProgramRecord>> ListProgramsAsync(bool includeInactive, CancellationToken cancellationToken);

    /// <summary>Makes one version the active one of its program.</summary>
    Task ActivateProgramAsync(string programId, string version, DateTimeOffset at, CancellationToken cancellationToken);

    // Members
    Task InsertMemberAsync(MemberRecord member, CancellationToken cancellationToken);

    Task<MemberRecord?> GetMemberAsync(string memberId, CancellationToken cancellationToken);

    Task<MemberRecord?> GetMemberByRequestAsync(string requestId, CancellationToken cancellationToken);

    // Accounts
    Task InsertAccountAsync(AccountRecord account, CancellationToken cancellationToken);

    /// <summary>Reads accounts; with <paramref name="forUpdate"/> they stay locked until the transaction ends (PostgreSQL).</summary>
    Task<IReadOnlyDictionary<string, AccountRecord>> GetAccountsAsync(IReadOnlyCollection<string> accountIds, bool forUpdate, CancellationToken cancellationToken);

    /// <summary>The current version of each account (locked like <see cref="GetAccountsAsync"/> with <paramref name="forUpdate"/>), to tell which changed since a snapshot.</summary>
    Task<IReadOnlyDictionary<string, long>> GetAccountVersionsAsync(IReadOnlyCollection<string> accountIds, bool forUpdate, CancellationToken cancellationToken);

    Task<IReadOnlyList<AccountRecord>> ListAccountsByMemberAsync(string memberId, CancellationToken cancellationToken);

    /// <summary>Writes a new state if the stored version is still <paramref name="expectedVersion"/>; else throws <see cref="StoreConflictException"/>.</summary>
    Task UpdateAccountAsync(AccountRecord account, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Several <see cref="UpdateAccountAsync"/> at once (one round trip on PostgreSQL, one prepared statement on SQLite).</summary>
    Task UpdateAccountsAsync(IReadOnlyList<(AccountRecord Account, long ExpectedVersion)> updates, CancellationToken cancellationToken);

    /// <summary>Account ids in id order after <paramref name="afterAccountId"/>, for jobs that walk every account.</summary>
    Task<IReadOnlyList<string>> ListAccountIdsAsync(string afterAccountId, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<LiabilityRecord>> GetLiabilityAsync(CancellationToken cancellationToken);

    // Cards
    Task InsertCardAsync(CardRecord card, CancellationToken cancellationToken);

    Task<CardRecord?> GetCardAsync(string cardNumber, CancellationToken cancellationToken);

    Task<CardRecord?> GetCardByRequestAsync(string requestId, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, CardRecord>> GetCardsAsync(IReadOnlyCollection<string> cardNumbers, CancellationToken cancellationToken);

    Task<IReadOnlyList<CardRecord>> ListCardsByAccountAsync(string accountId, CancellationToken cancellationToken);

    Task UpdateCardAsync(CardRecord card, CancellationToken cancellationToken);

    /// <summary>Active cards whose end date is at or before <paramref name="before"/> (the card-end job).</summary>
    Task<IReadOnlyList<CardRecord>> ListActiveCardsEndingAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    // Ledger
    Task<IReadOnlyDictionary<string, LedgerEntry>> GetEntriesAsync(IReadOnlyCollection<string> transactionIds, CancellationToken cancellationToken);

    /// <summary>
    /// An account's entries, newest first (business time, then id), strictly before
    /// <paramref name="before"/> when given: one page of its history. With
    /// <paramref name="visibleTo"/>, only the entries that terminal scope may see.
    /// </summary>
    Task<IReadOnlyList<LedgerEntry>> ListAccountEntriesAsync(string accountId, (DateTimeOffset BusinessTime, string TransactionId)? before, int limit, CancellationToken cancellationToken, LedgerVisibility? visibleTo = null);

    /// <summary>Inserts entries; a duplicate id throws <see cref="StoreConflictException"/> (the unit is retried).</summary>
    Task InsertEntriesAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken);

    // Order archive (#17)
    /// <summary>Stores orders folded out of account states; an order folded again (after a refund) replaces its row.</summary>
    Task ArchiveOrdersAsync(IReadOnlyList<ArchivedOrder> orders, CancellationToken cancellationToken);

    /// <summary>The archived orders with these (sale) transaction ids.</summary>
    Task<IReadOnlyDictionary<string, ArchivedOrder>> GetArchivedOrdersAsync(IReadOnlyCollection<string> transactionIds, CancellationToken cancellationToken);

    // Changes feed
    /// <summary>Appends a change with the next cursor (cursors are gap-free and commit in order).</summary>
    Task<long> AppendChangeAsync(DateTimeOffset time, byte[] payload, CancellationToken cancellationToken);

    Task<IReadOnlyList<ChangeRecord>> ReadChangesAsync(long afterCursor, int max, CancellationToken cancellationToken);

    Task<long> GetLatestCursorAsync(CancellationToken cancellationToken);

    // Redemption holds
    /// <summary>The account's holds not expired at <paramref name="now"/>; read under the account's lock to see every instance's holds.</summary>
    Task<IReadOnlyList<HoldRecord>> GetActiveHoldsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<HoldRecord?> GetHoldAsync(string authorizationId, CancellationToken cancellationToken);

    /// <summary>Inserts a hold, or replaces the one with the same authorization id (a terminal authorizing again).</summary>
    Task PutHoldAsync(HoldRecord hold, CancellationToken cancellationToken);

    /// <summary>Deletes the holds with these ids (consumed or released); returns how many there were.</summary>
    Task<int> DeleteHoldsAsync(IReadOnlyCollection<string> authorizationIds, CancellationToken cancellationToken);

    /// <summary>Deletes the account's holds expired at <paramref name="now"/>.</summary>
    Task<int> DeleteExpiredHoldsAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Whether any account has a hold expired at <paramref name="now"/> (the sweep writes only then).</summary>
    Task<bool> AnyExpiredHoldsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes every account's holds expired at <paramref name="now"/> (the periodic sweep); returns how many.</summary>
    Task<int> DeleteAllExpiredHoldsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    // Jobs
    Task<JobRunRecord?> GetJobRunAsync(string job, string period, CancellationToken cancellationToken);

    Task<JobRunRecord?> GetLastJobRunAsync(string job, CancellationToken cancellationToken);

    Task InsertJobRunAsync(JobRunRecord run, CancellationToken cancellationToken);

    /// <summary>Replaces the record of a period run again later the same day (its as-of and totals).</summary>
    Task UpdateJobRunAsync(JobRunRecord run, CancellationToken cancellationToken);
}

/// <summary>A concurrent writer got there first; the store retries the unit of work.</summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException()
        : this("A concurrent update won; the work is retried.")
    {
    }

    public StoreConflictException(string message)
        : base(message)
    {
    }

    public StoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
