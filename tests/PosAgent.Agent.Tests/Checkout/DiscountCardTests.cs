using Grpc.Core;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>
/// INV-HP's discount-card mode through the real agent and the real central service (#17): a
/// member either collects points or holds a discount card (INV-HP-R1), switched by the operator
/// on a written request; the till takes the card's discount (INV-HP-R2) off exactly as the
/// central's ledger does, and points are refused at the till, not only at the central.
/// </summary>
[Collection("survival")]
public sealed class DiscountCardTests : IAsyncLifetime
{
    /// <summary>5,000 RUB of lab diagnostics: one order over 4,500 reaches the 5% card (INV-HP-R2).</summary>
    private const long LabMinor = 500_000;

    private readonly TempDirectory _dir = new();
    private CentralFixture _central = null!;
    private TestAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        var token = await _central.TokenAsync("lane-discount");
        _agent = await TestAgent.StartAsync(_dir, o =>
        {
            o.TerminalId = "lane-discount";
            o.CentralAddress = _central.Address;
            o.CentralToken = token;
        });
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    private LocalApiClient Client => _agent.Client;

    [Fact]
    public async Task InvHp_R2_DiscountCardAccount_TillTakesTheLedgersDiscountOffAndRefusesPoints()
    {
        var card = TestCards.InvHp(4101);
        await _central.RegisterAsync(card, "INV-HP");
        // A bonus-mode order of 5,000 RUB first: it earns points, and it reaches the 5% card level.
        var first = await CheckWithCardAsync(card, goodsMinor: 0);
        await Client.CommitAsync(new CommitRequest { CheckId = first, Payment = new PaymentSplit { CashMinor = LabMinor } }).WithTimeout();
        await Waits.UntilSyncedAsync(Client, TimeSpan.FromSeconds(30));
        var pointsBefore = (await _central.SnapshotAsync(card)).Balance.Balance;

        var refusedWithoutRequest = await Assert.ThrowsAsync<RpcException>(() => _central.SetModeAsync(card, Loyalty.AccountMode.DiscountCard, writtenRequest: false));
        var switched = await _central.SetModeAsync(card, Loyalty.AccountMode.DiscountCard);
        // 1,000 RUB of goods too: goods get no discount (INV-HP-R2).
        var check = await CheckWithCardAsync(card, goodsMinor: 100_000);
        var quote = await Client.QuoteAsync(new QuoteRequest { CheckId = check }).WithTimeout();
        var fullPrice = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check, Payment = new PaymentSplit { CashMinor = LabMinor + 100_000 } }));
        var withPoints = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check, Payment = new PaymentSplit { CashMinor = LabMinor + 100_000 - 25_000 - 1_000, Points = 10 } }));
        var committed = await Client.CommitAsync(new CommitRequest { CheckId = check, Payment = new PaymentSplit { CashMinor = LabMinor + 100_000 - 25_000 } }).WithTimeout();
        await Waits.UntilSyncedAsync(Client, TimeSpan.FromSeconds(30));
        var entry = (await _central.EntriesAsync([committed.OperationId]))[committed.OperationId];
        var result = Loyalty.TransactionResult.Parser.ParseFrom(entry.Result);
        var after = await _central.SnapshotAsync(card);

        Assert.Equal(StatusCode.FailedPrecondition, refusedWithoutRequest.StatusCode);
        Assert.Contains("written request", refusedWithoutRequest.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(Loyalty.AccountMode.DiscountCard, switched.Mode);
        Assert.Equal("Card5", switched.DiscountLevel);
        Assert.Equal(5, switched.DiscountPercent);
        Assert.Equal(25_000, quote.DiscountMinor);
        Assert.Equal(0, quote.PointsToEarn);
        Assert.Equal(0, quote.MaxPointsSpendable);
        Assert.Equal("not_bonus_account", quote.BindingLimit);
        Assert.True(quote.Card.DiscountCardMode);
        Assert.Equal("Card5", quote.Card.DiscountLevel);
        Assert.Equal(StatusCode.InvalidArgument, fullPrice.StatusCode);
        Assert.Contains("less the discount card's 25000", fullPrice.Status.Detail, StringComparison.Ordinal);
        // Refused at the till before anything is acknowledged: a discounted total is never paid with points.
        Assert.Equal(StatusCode.InvalidArgument, withPoints.StatusCode);
        Assert.Contains("payments", withPoints.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(25_000, committed.DiscountMinor);
        Assert.Equal(0, committed.PointsEarned);
        // The central applied the very sale the till acknowledged: same payment, no points either way.
        Assert.Equal(Loyalty.TransactionOutcome.Applied, result.Outcome);
        Assert.Equal(0, result.PointsEarned);
        Assert.Equal(0, result.PointsSpent);
        Assert.Equal(pointsBefore, after.Balance.Balance);
        Assert.Equal(0, (await Client.GetStatusAsync().WithTimeout()).Outbox.Parked);
    }

    [Fact]
    public async Task InvHp_R1_DiscountCardPresentedOnABonusCheck_PointsRefusedAtTheTill()
    {
        var card = TestCards.InvHp(4102);
        await _central.RegisterAsync(card, "INV-HP");
        await _central.GrantAsync(card, 2_000, "gift");
        var check = await CheckWithCardAsync(card, goodsMinor: 0);

        var plain = await Client.QuoteAsync(new QuoteRequest { CheckId = check }).WithTimeout();
        var withDiscountCard = await Client.QuoteAsync(new QuoteRequest { CheckId = check, DiscountCard = true }).WithTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check, DiscountCard = true, Payment = new PaymentSplit { CashMinor = LabMinor - 100_000, Points = 1_000 } }));
        var cash = await Client.CommitAsync(new CommitRequest { CheckId = check, DiscountCard = true, Payment = new PaymentSplit { CashMinor = LabMinor } }).WithTimeout();
        await Waits.UntilSyncedAsync(Client, TimeSpan.FromSeconds(30));
        var entry = (await _central.EntriesAsync([cash.OperationId]))[cash.OperationId];
        var result = Loyalty.TransactionResult.Parser.ParseFrom(entry.Result);

        Assert.True(plain.MaxPointsSpendable > 0);
        Assert.Equal(0, withDiscountCard.MaxPointsSpendable);
        Assert.Equal("discount_card", withDiscountCard.BindingLimit);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("discount card and points cannot be combined", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2_000 + 300, (await _central.SnapshotAsync(card)).Balance.Usable);
        Assert.Equal(Loyalty.TransactionOutcome.Applied, result.Outcome);
        Assert.Equal(cash.PointsEarned, result.PointsEarned);
    }

    private async Task<string> CheckWithCardAsync(string card, long goodsMinor)
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Sku = "lab-1", Name = "Blood test", Category = "lab", UnitPriceMinor = LabMinor, Quantity = 1 }).WithTimeout();
        if (goodsMinor > 0)
        {
            await Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Sku = "goods-1", Name = "Vitamins", Category = "goods", UnitPriceMinor = goodsMinor, Quantity = 1 }).WithTimeout();
        }

        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
        return check.CheckId;
    }
}
