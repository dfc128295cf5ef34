using Grpc.Core;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// Chain-scoped terminal credentials (#18): the operator may let a terminal act for every store of
/// its store's chain (a head-office till). Two chains, "north" (stores north-1, north-2) and
/// "south" (south-1): a chain-scoped terminal of north-2 refunds, resends and reads the history of
/// north-1's sales; a store-scoped terminal of north-2 and a chain-scoped terminal of south do not,
/// and learn nothing of them. Run once per database over a real service on loopback.
/// </summary>
public abstract class ChainScopeContract<TProvider> : IAsyncLifetime, IClassFixture<TProvider>
    where TProvider : StoreProvider
{
    private readonly TProvider _provider;
    private CentralHarness _h = null!;
    private CentralClient _north1 = null!;
    private CentralClient _north2Chain = null!;
    private CentralClient _north2Store = null!;
    private CentralClient _southChain = null!;

    protected ChainScopeContract(TProvider provider) => _provider = provider;

    private DateTimeOffset Now => _h.Time.GetUtcNow();

    public async Task InitializeAsync()
    {
        _h = await CentralHarness.StartAsync(_provider.Connection);
        _north1 = await TerminalAsync("n1-lane-1", "north-1", "north", TerminalScope.Store);
        _north2Chain = await TerminalAsync("n2-office", "north-2", "north", TerminalScope.Chain);
        _north2Store = await TerminalAsync("n2-lane-1", "north-2", string.Empty, TerminalScope.Unspecified);
        _southChain = await TerminalAsync("s1-office", "south-1", "south", TerminalScope.Chain);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Refund_SaleOfAnotherStoreOfTheChain_ChainScopeApplied_StoreScopeAndOtherChainNotFound()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000_000);
        var applied = (await _north1.SubmitAsync(sale).WithTimeout()).Results[0];
        Assert.Equal(TransactionOutcome.Applied, applied.Outcome);

        var sameStoreOnly = (await _north2Store.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-40))).WithTimeout()).Results[0];
        var otherChain = (await _southChain.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-30))).WithTimeout()).Results[0];
        var chain = (await _north2Chain.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-20))).WithTimeout()).Results[0];

        foreach (var refused in new[] { sameStoreOnly, otherChain })
        {
            Assert.Equal(TransactionOutcome.Rejected, refused.Outcome);
            Assert.Equal("original_not_found", refused.Rejection.Code);
            Assert.Equal(string.Empty, refused.AccountId);
            Assert.Null(refused.Balance);
        }

        Assert.Equal(TransactionOutcome.Applied, chain.Outcome);
        Assert.Equal(applied.PointsEarned, chain.PointsTakenBack);
        Assert.Equal(applied.AccountId, chain.AccountId);
    }

    [Fact]
    public async Task Resend_TransactionIdOfAnotherStoreOfTheChain_ChainScopeGetsTheDuplicate_OthersTakenWithoutItsResult()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000_000);
        var applied = (await _north1.SubmitAsync(sale).WithTimeout()).Results[0];

        var duplicate = (await _north2Chain.SubmitAsync(sale).WithTimeout()).Results[0];
        var sameStoreOnly = (await _north2Store.SubmitAsync(sale).WithTimeout()).Results[0];
        var otherChain = (await _southChain.SubmitAsync(sale).WithTimeout()).Results[0];

        Assert.Equal(TransactionOutcome.Duplicate, duplicate.Outcome);
        Assert.Equal(applied.AccountId, duplicate.AccountId);
        Assert.Equal(applied.Balance.Balance, duplicate.Balance.Balance);
        foreach (var refused in new[] { sameStoreOnly, otherChain })
        {
            Assert.Equal(TransactionOutcome.Rejected, refused.Outcome);
            Assert.Equal("transaction_id_taken", refused.Rejection.Code);
            Assert.Equal(string.Empty, refused.AccountId);
            Assert.Null(refused.Balance);
            Assert.Equal(0, refused.PointsEarned);
        }
    }

    [Fact]
    public async Task ListCardHistory_EachTerminalSeesItsScopesSalesAndTheServicesOwn_NothingOfOtherStoresOrChains()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var north1Sale = Tx.Sale(card, Now.AddHours(-3), cashMinor: 100_000);
        var north2Sale = Tx.Sale(card, Now.AddHours(-2), cashMinor: 200_000);
        var southSale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 300_000);
        await _north1.SubmitAsync(north1Sale).WithTimeout();
        await _north2Store.SubmitAsync(north2Sale).WithTimeout();
        await _southChain.SubmitAsync(southSale).WithTimeout();

        // Pages of one entry: the scope is applied by the query, so paging never shows another's entry.
        async Task<List<string>> SeenBy(CentralClient client)
        {
            var ids = new List<string>();
            var token = string.Empty;
            do
            {
                var page = await client.HistoryAsync(card, pageSize: 1, pageToken: token).WithTimeout();
                ids.AddRange(page.Entries.Select(e => e.Kind == "enroll" ? "enroll" : e.TransactionId));
                token = page.NextPageToken;
            }
            while (token.Length > 0);
            return ids;
        }

        Assert.Equal([north2Sale.TransactionId, north1Sale.TransactionId, "enroll"], await SeenBy(_north2Chain));
        Assert.Equal([north2Sale.TransactionId, "enroll"], await SeenBy(_north2Store));
        Assert.Equal([north1Sale.TransactionId, "enroll"], await SeenBy(_north1));
        Assert.Equal([southSale.TransactionId, "enroll"], await SeenBy(_southChain));
        var all = await _h.Admin.AdminHistoryAsync(card).WithTimeout();
        Assert.Equal(4, all.Entries.Count);
    }

    [Fact]
    public async Task UpdateTerminal_StoreScopeToChain_SameTokenRefundsTheChainsSales_BackToStore_RefusedAgain()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var first = Tx.Sale(card, Now.AddHours(-2), cashMinor: 500_000);
        var second = Tx.Sale(card, Now.AddHours(-2), cashMinor: 500_000);
        await _north1.SubmitAsync(first, second).WithTimeout();
        var before = (await _north2Store.SubmitAsync(Tx.Refund(first.TransactionId, Now.AddMinutes(-50))).WithTimeout()).Results[0];

        var widened = await _h.Admin.UpdateTerminalAsync("n2-lane-1", TerminalScope.Chain).WithTimeout();
        var during = (await _north2Store.SubmitAsync(Tx.Refund(first.TransactionId, Now.AddMinutes(-40))).WithTimeout()).Results[0];
        var narrowed = await _h.Admin.UpdateTerminalAsync("n2-lane-1", TerminalScope.Store).WithTimeout();
        var after = (await _north2Store.SubmitAsync(Tx.Refund(second.TransactionId, Now.AddMinutes(-30))).WithTimeout()).Results[0];

        Assert.Equal("original_not_found", before.Rejection.Code);
        Assert.Equal((TerminalScope.Chain, "north"), (widened.Scope, widened.ChainId));
        Assert.Equal(TransactionOutcome.Applied, during.Outcome);
        Assert.Equal(TerminalScope.Store, narrowed.Scope);
        Assert.Equal("original_not_found", after.Rejection.Code);
    }

    [Fact]
    public async Task CreateTerminal_StoreInAnotherChainOrChainScopeWithoutChainOrReservedStore_RefusedNamingWhy()
    {
        var moved = await Assert.ThrowsAsync<RpcException>(() => _h.Admin.CreateTerminalAsync("n1-lane-2", "north-1", "south", TerminalScope.Store)).WithTimeout();
        var chainless = await Assert.ThrowsAsync<RpcException>(() => _h.Admin.CreateTerminalAsync("x-office", "nowhere-1", string.Empty, TerminalScope.Chain)).WithTimeout();
        var reserved = await Assert.ThrowsAsync<RpcException>(() => _h.Admin.CreateTerminalAsync("svc", "service", string.Empty, TerminalScope.Store)).WithTimeout();
        var missing = await Assert.ThrowsAsync<RpcException>(() => _h.Admin.UpdateTerminalAsync("no-such-lane", TerminalScope.Chain)).WithTimeout();
        var listed = await _h.Admin.ListTerminalsAsync().WithTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, moved.StatusCode);
        Assert.Contains("store 'north-1' is in chain 'north'", moved.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, chainless.StatusCode);
        Assert.Contains("chain_id", chainless.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, reserved.StatusCode);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.DoesNotContain(listed.Terminals, t => t.TerminalId is "n1-lane-2" or "x-office" or "svc");
        // The fixture's database is the class's: each test adds its own credentials for these terminals.
        var office = listed.Terminals.Last(t => t.TerminalId == "n2-office");
        Assert.Equal(("north-2", "north", TerminalScope.Chain), (office.StoreId, office.ChainId, office.Scope));
        var lane = listed.Terminals.Last(t => t.TerminalId == "n2-lane-1");
        Assert.Equal(("north", TerminalScope.Store), (lane.ChainId, lane.Scope));
    }

    [Fact]
    public async Task Reports_ChainScopedTerminal_PermissionDenied_TheOperatorOnly()
    {
        var report = await Assert.ThrowsAsync<RpcException>(() => _north2Chain.LiabilityAsync(Now)).WithTimeout();
        var history = await Assert.ThrowsAsync<RpcException>(() => _north2Chain.AdminHistoryAsync("2601000000017")).WithTimeout();

        Assert.Equal(StatusCode.PermissionDenied, report.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, history.StatusCode);
        Assert.NotNull(await _h.Admin.LiabilityAsync(Now).WithTimeout());
    }

    private async Task<CentralClient> TerminalAsync(string terminal, string store, string chain, TerminalScope scope) =>
        _h.Client((await _h.Admin.CreateTerminalAsync(terminal, store, chain, scope).WithTimeout()).Token);
}

public sealed class SqliteChainScopeTests(SqliteStoreProvider provider) : ChainScopeContract<SqliteStoreProvider>(provider);

public sealed class PostgresChainScopeTests(PostgresStoreProvider provider) : ChainScopeContract<PostgresStoreProvider>(provider);
