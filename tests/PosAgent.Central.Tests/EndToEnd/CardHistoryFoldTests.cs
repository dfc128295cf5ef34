using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// The central service folds orders past the detail horizon out of an account's state at commit
/// (#17) and archives them (schema 5): the stored state stays bounded, and a refund of a folded sale
/// is applied as on the whole history. Run once per database over a real service on loopback.
/// </summary>
public abstract class CardHistoryFoldContract<TProvider> : IClassFixture<TProvider>, IAsyncLifetime
    where TProvider : StoreProvider
{
    private readonly TProvider _provider;
    private CentralHarness _h = null!;

    protected CardHistoryFoldContract(TProvider provider) => _provider = provider;

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(_provider.Connection);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task SubmitTransactions_SaleOlderThanTheHorizon_FoldedArchivedAndStillRefundable()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var old = Tx.Sale(card, _h.Time.GetUtcNow(), 500_000, id: "old-" + Guid.NewGuid().ToString("N"));
        var sold = Assert.Single((await _h.Terminal.SubmitAsync(old).WithTimeout()).Results);
        _h.Time.Advance(TimeSpan.FromDays(11));
        var later = Assert.Single((await _h.Terminal.SubmitAsync(Tx.Sale(card, _h.Time.GetUtcNow(), 10_000)).WithTimeout()).Results);
        var archived = await _h.Server.Store.ReadAsync((s, ct) => s.GetArchivedOrdersAsync([old.TransactionId], ct), CancellationToken.None).WithTimeout();
        var stateAfterFold = await StateAsync(card);

        var refund = Assert.Single((await _h.Terminal.SubmitAsync(Tx.Refund(old.TransactionId, _h.Time.GetUtcNow())).WithTimeout()).Results);
        var again = Assert.Single((await _h.Terminal.SubmitAsync(Tx.Refund(old.TransactionId, _h.Time.GetUtcNow())).WithTimeout()).Results);
        var stateAfterRefund = await StateAsync(card);
        var rearchived = await _h.Server.Store.ReadAsync((s, ct) => s.GetArchivedOrdersAsync([old.TransactionId], ct), CancellationToken.None).WithTimeout();

        Assert.Equal(TransactionOutcome.Applied, sold.Outcome);
        Assert.True(sold.PointsEarned > 0);
        Assert.Equal(TransactionOutcome.Applied, later.Outcome);
        Assert.True(archived.ContainsKey(old.TransactionId), "the folded sale is in the order archive");
        Assert.DoesNotContain(stateAfterFold.Orders, o => o.TransactionId == old.TransactionId);
        Assert.Equal(1, stateAfterFold.History!.Orders);
        Assert.Equal(500_000, stateAfterFold.History.SpendMinor);
        Assert.Equal(TransactionOutcome.Applied, refund.Outcome);
        Assert.Equal(sold.PointsEarned, refund.PointsTakenBack);
        Assert.Equal(TransactionOutcome.Rejected, again.Outcome);
        Assert.DoesNotContain(stateAfterRefund.Orders, o => o.TransactionId == old.TransactionId);
        Assert.Equal(0, stateAfterRefund.History!.SpendMinor);
        Assert.Equal(500_000, AccountStateJson.DeserializeOrder(rearchived[old.TransactionId].OrderJson).RefundedMinor);
    }

    private async Task<AccountState> StateAsync(string card) =>
        AccountStateJson.Deserialize(await _h.Server.Store.ReadAsync(
            async (s, ct) =>
            {
                var c = await s.GetCardAsync(card, ct);
                return (await s.GetAccountsAsync([c!.AccountId], false, ct))[c.AccountId].StateJson;
            },
            CancellationToken.None).WithTimeout());
}

public sealed class SqliteCardHistoryFoldTests(SqliteStoreProvider provider) : CardHistoryFoldContract<SqliteStoreProvider>(provider);

public sealed class PostgresCardHistoryFoldTests(PostgresStoreProvider provider) : CardHistoryFoldContract<PostgresStoreProvider>(provider);
