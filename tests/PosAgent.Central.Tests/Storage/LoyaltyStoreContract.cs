using System.Text;
using PosAgent.Central.Storage;
using PosAgent.Central.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Storage;

/// <summary>The storage behaviour both databases must show; run by one subclass per database.</summary>
public abstract class LoyaltyStoreContract<TProvider> : IClassFixture<TProvider>, IAsyncLifetime
    where TProvider : StoreProvider
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly TProvider _provider;
    private ILoyaltyStore _store = null!;

    protected LoyaltyStoreContract(TProvider provider) => _provider = provider;

    public async Task InitializeAsync() => _store = await _provider.OpenMigratedAsync();

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task Migrate_RunTwice_SecondRunAppliesNothing()
    {
        var again = await _store.MigrateAsync(CancellationToken.None).WithTimeout();
        var version = await _store.GetSchemaVersionAsync(CancellationToken.None).WithTimeout();

        Assert.Equal(0, again);
        Assert.True(version >= 1, $"schema version {version}");
    }

    [Fact]
    public async Task InsertEntries_SameTransactionIdConcurrently_OneWinsOthersSeeIt()
    {
        var account = await CreateAccountAsync();
        var id = "tx-" + Guid.NewGuid();

        // Ten writers race to apply the same id; each checks first, as ingestion does.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => _store.WriteAsync(async (s, ct) =>
        {
            var existing = await s.GetEntriesAsync([id], ct);
            if (existing.ContainsKey(id))
            {
                return "duplicate";
            }

            await s.InsertEntriesAsync([Entry(id, account, $"writer {i}")], ct);
            return "applied";
        }, CancellationToken.None))).WithTimeout();

        Assert.Equal(1, outcomes.Count(o => o == "applied"));
        Assert.Equal(9, outcomes.Count(o => o == "duplicate"));
    }

    [Fact]
    public async Task UpdateAccount_ConcurrentIncrements_NoUpdateLost()
    {
        var account = await CreateAccountAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _store.WriteAsync(async (s, ct) =>
        {
            var current = (await s.GetAccountsAsync([account], forUpdate: true, ct))[account];
            var next = current with
            {
                Version = current.Version + 1,
                Figures = current.Figures with { Balance = current.Figures.Balance + 5 },
            };
            await s.UpdateAccountAsync(next, current.Version, ct);
            return 0;
        }, CancellationToken.None))).WithTimeout(TimeSpan.FromSeconds(60));

        var final = await _store.ReadAsync((s, ct) => s.GetAccountsAsync([account], false, ct), CancellationToken.None).WithTimeout();
        Assert.Equal(200, final[account].Figures.Balance);
        Assert.Equal(40, final[account].Version - 1);
    }

    [Fact]
    public async Task UpdateAccount_StaleVersion_ThrowsConflict()
    {
        var account = await CreateAccountAsync();
        var stale = (await _store.ReadAsync((s, ct) => s.GetAccountsAsync([account], false, ct), CancellationToken.None))[account];

        var attempts = 0;
        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => _store.WriteAsync<int>(async (s, ct) =>
        {
            attempts++;
            await s.UpdateAccountAsync(stale with { Version = stale.Version + 5 }, stale.Version + 1, ct);
            return 0;
        }, CancellationToken.None)).WithTimeout();

        Assert.Contains(account, ex.Message, StringComparison.Ordinal);
        Assert.True(attempts > 1, "a conflict is retried before it is reported");
    }

    [Fact]
    public async Task AppendChange_Concurrently_CursorsGapFreeAndOrdered()
    {
        var before = await _store.ReadAsync((s, ct) => s.GetLatestCursorAsync(ct), CancellationToken.None);

        var cursors = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            _store.WriteAsync((s, ct) => s.AppendChangeAsync(T0, Encoding.UTF8.GetBytes($"change {i}"), ct), CancellationToken.None))).WithTimeout();
        var read = await _store.ReadAsync((s, ct) => s.ReadChangesAsync(before, 100, ct), CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => before + i), cursors.Order());
        Assert.Equal(cursors.Order(), read.Select(c => c.Cursor));
    }

    [Fact]
    public async Task Credentials_InsertRevokeList_RevokedHasTime()
    {
        var terminal = "term-" + Guid.NewGuid().ToString("N")[..8];
        var credential = new CredentialRecord("c-" + Guid.NewGuid().ToString("N"), CredentialRole.Terminal, terminal, "store-1", "lane 1", [1, 2, 3], T0, null, null);
        await _store.WriteAsync(async (s, ct) => { await s.InsertCredentialAsync(credential, ct); return 0; }, CancellationToken.None);

        var revoked = await _store.WriteAsync((s, ct) => s.RevokeCredentialsAsync(CredentialRole.Terminal, terminal, T0.AddHours(1), ct), CancellationToken.None);
        var read = await _store.ReadAsync((s, ct) => s.GetCredentialAsync(credential.CredentialId, ct), CancellationToken.None);

        Assert.Equal(1, revoked);
        Assert.Equal(T0.AddHours(1), read!.RevokedAt);
        Assert.Equal([1, 2, 3], read.SecretHash);
    }

    [Fact]
    public async Task StoreChains_FirstChainStays_CredentialsReadTheirStoresChainAndScope()
    {
        var store = "store-" + Guid.NewGuid().ToString("N")[..8];
        var terminal = "term-" + Guid.NewGuid().ToString("N")[..8];
        var credential = new CredentialRecord("c-" + Guid.NewGuid().ToString("N"), CredentialRole.Terminal, terminal, store, "office", [1], T0, null, null, CredentialScope.Store);
        await _store.WriteAsync(async (s, ct) =>
        {
            await s.InsertCredentialAsync(credential, ct);
            await s.InsertStoreChainAsync(store, "north", T0, ct);
            await s.InsertStoreChainAsync(store, "south", T0, ct);
            return await s.SetCredentialScopeAsync(terminal, CredentialScope.Chain, ct);
        }, CancellationToken.None);

        var chains = await _store.ReadAsync((s, ct) => s.GetStoreChainsAsync([store, "no-such-store"], ct), CancellationToken.None);
        var read = await _store.ReadAsync((s, ct) => s.GetCredentialAsync(credential.CredentialId, ct), CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { [store] = "north" }, chains);
        Assert.Equal((CredentialScope.Chain, "north"), (read!.Scope, read.ChainId));
    }

    [Fact]
    public async Task Programs_ActivateSecondVersion_FirstBecomesInactive()
    {
        var id = "P" + Guid.NewGuid().ToString("N")[..6];
        await _store.WriteAsync(async (s, ct) =>
        {
            await s.InsertProgramAsync(new ProgramRecord(id, "1", "{}", "n", "RUB", T0, false, null), ct);
            await s.InsertProgramAsync(new ProgramRecord(id, "2", "{}", "n", "RUB", T0, false, null), ct);
            await s.ActivateProgramAsync(id, "1", T0, ct);
            await s.ActivateProgramAsync(id, "2", T0.AddDays(1), ct);
            return 0;
        }, CancellationToken.None);

        var active = await _store.ReadAsync((s, ct) => s.GetProgramAsync(id, null, ct), CancellationToken.None);
        var all = await _store.ReadAsync((s, ct) => s.ListProgramsAsync(true, ct), CancellationToken.None);

        Assert.Equal("2", active!.Version);
        Assert.Equal(T0.AddDays(1), active.ActivatedAt);
        Assert.False(all.Single(p => p.ProgramId == id && p.Version == "1").Active);
    }

    [Fact]
    public async Task JobRuns_SamePeriodTwice_SecondIsConflictAndRetrySeesFirst()
    {
        var job = "job-" + Guid.NewGuid().ToString("N")[..6];
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _store.WriteAsync(async (s, ct) =>
        {
            if (await s.GetJobRunAsync(job, "2026-03-02", ct) is not null)
            {
                return false;
            }

            await s.InsertJobRunAsync(new JobRunRecord(job, "2026-03-02", T0, T0, 3, 100), ct);
            return true;
        }, CancellationToken.None))).WithTimeout();

        Assert.Single(results, r => r);
        Assert.Equal("2026-03-02", (await _store.ReadAsync((s, ct) => s.GetLastJobRunAsync(job, ct), CancellationToken.None))!.Period);
    }

    [Fact]
    public async Task WriteAsync_OneOfConcurrentWritesThrows_OnlyItsChangesRolledBack()
    {
        var account = await CreateAccountAsync();
        var ids = Enumerable.Range(0, 12).Select(i => $"tx-{i}-{Guid.NewGuid():N}").ToList();

        // Concurrent writes share one transaction on SQLite (group commit): the failing one must
        // take only its own rows with it.
        var writes = ids.Select((id, i) => _store.WriteAsync(async (s, ct) =>
        {
            await s.InsertEntriesAsync([Entry(id, account, $"writer {i}")], ct);
            return i == 5 ? throw new InvalidOperationException("writer 5 fails after its insert") : i;
        }, CancellationToken.None)).ToList();
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[5]).WithTimeout();
        var landed = await Task.WhenAll(writes.Where((_, i) => i != 5)).WithTimeout();
        var stored = await _store.ReadAsync((s, ct) => s.GetEntriesAsync(ids, ct), CancellationToken.None).WithTimeout();

        Assert.Equal("writer 5 fails after its insert", failure.Message);
        Assert.Equal(11, landed.Length);
        Assert.Equal(ids.Where((_, i) => i != 5).Order(), stored.Keys.Order());
    }

    [Fact]
    public async Task WriteAsync_WorkMeetsConflictOnce_RunAgainAndLandsOnce()
    {
        var account = await CreateAccountAsync();
        var id = "tx-" + Guid.NewGuid().ToString("N");
        var calls = 0;

        var result = await _store.WriteAsync(async (s, ct) =>
        {
            await s.InsertEntriesAsync([Entry(id, account, "conflicted first")], ct);
            return ++calls == 1 ? throw new StoreConflictException("simulated race") : calls;
        }, CancellationToken.None).WithTimeout();
        var stored = await _store.ReadAsync((s, ct) => s.GetEntriesAsync([id], ct), CancellationToken.None).WithTimeout();

        Assert.Equal(2, result);
        Assert.Single(stored);
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileWaiting_ThrowsAndWritesNothing()
    {
        var account = await CreateAccountAsync();
        var id = "tx-" + Guid.NewGuid().ToString("N");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();

        var blocker = _store.WriteAsync(async (s, ct) =>
        {
            started.SetResult();
            await release.Task;
            return 0;
        }, CancellationToken.None);
        await started.Task.WithTimeout();
        var waiting = _store.WriteAsync(async (s, ct) =>
        {
            ct.ThrowIfCancellationRequested();
            await s.InsertEntriesAsync([Entry(id, account, "must not land")], ct);
            return 1;
        }, cancel.Token);
        await cancel.CancelAsync();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting).WithTimeout();
        await blocker.WithTimeout();
        var stored = await _store.ReadAsync((s, ct) => s.GetEntriesAsync([id], ct), CancellationToken.None).WithTimeout();
        Assert.Empty(stored);
    }

    [Fact]
    public async Task GetAccountVersions_AfterUpdate_ReturnsCurrentVersionOfEach()
    {
        var first = await CreateAccountAsync();
        var second = await CreateAccountAsync();
        await _store.WriteAsync(async (s, ct) =>
        {
            var account = (await s.GetAccountsAsync([first], forUpdate: true, ct))[first];
            await s.UpdateAccountAsync(account with { Version = account.Version + 1 }, account.Version, ct);
            return 0;
        }, CancellationToken.None).WithTimeout();

        var versions = await _store.ReadAsync((s, ct) => s.GetAccountVersionsAsync([first, second, "a-missing"], forUpdate: false, ct), CancellationToken.None).WithTimeout();

        Assert.Equal(2, versions[first]);
        Assert.Equal(1, versions[second]);
        Assert.False(versions.ContainsKey("a-missing"));
    }

    private async Task<string> CreateAccountAsync()
    {
        var member = "m-" + Guid.NewGuid().ToString("N");
        var account = "a-" + Guid.NewGuid().ToString("N");
        await _store.WriteAsync(async (s, ct) =>
        {
            await s.InsertMemberAsync(new MemberRecord(member, null, "+70000000000", [], T0), ct);
            await s.InsertAccountAsync(new AccountRecord(account, member, "CSM", "{}", 1, new AccountFigures(0, 0, 0, "base", "Active"), T0, T0), ct);
            await s.InsertCardAsync(new CardRecord("9" + Guid.NewGuid().ToString("N")[..12], account, CardStatus.Active, T0, null, null, null, null), ct);
            return 0;
        }, CancellationToken.None).WithTimeout();
        return account;
    }

    private static LedgerEntry Entry(string id, string account, string note) =>
        new(id, account, "t1", "s1", "sale", T0, T0, 1, Encoding.UTF8.GetBytes(note), []);
}

public sealed class SqliteLoyaltyStoreTests(SqliteStoreProvider provider) : LoyaltyStoreContract<SqliteStoreProvider>(provider);

public sealed class PostgresLoyaltyStoreTests(PostgresStoreProvider provider) : LoyaltyStoreContract<PostgresStoreProvider>(provider);
