using Grpc.Core;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// A terminal acts for its own store only. Transaction ids are printed on receipts, so a terminal
/// of another store can learn them: it must not refund such a sale, nor read its result by
/// resending its id.
/// </summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-tenant-");
    private CentralHarness _h = null!;
    private CentralClient _otherStore = null!;
    private CentralClient _sameStore = null!;

    private DateTimeOffset Now => _h.Time.GetUtcNow();

    public async Task InitializeAsync()
    {
        _h = await CentralHarness.StartAsync(_dir.File("central.db"));
        _otherStore = _h.Client((await _h.Admin.CreateTerminalAsync("lane-7", "shop-2").WithTimeout()).Token);
        _sameStore = _h.Client((await _h.Admin.CreateTerminalAsync("lane-2", "shop-1").WithTimeout()).Token);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Refund_OfAnotherStoresSale_RejectedAsNotFound_TheOwningStoreCanStillRefundIt()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000_000);
        var applied = (await _h.Terminal.SubmitAsync(sale).WithTimeout()).Results[0];
        Assert.Equal(TransactionOutcome.Applied, applied.Outcome);

        var foreign = (await _otherStore.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-30))).WithTimeout()).Results[0];

        Assert.Equal(TransactionOutcome.Rejected, foreign.Outcome);
        Assert.Equal("original_not_found", foreign.Rejection.Code);
        Assert.Equal(string.Empty, foreign.AccountId);
        Assert.Null(foreign.Balance);
        var own = (await _sameStore.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-20))).WithTimeout()).Results[0];
        Assert.Equal(TransactionOutcome.Applied, own.Outcome);
        Assert.Equal(applied.PointsEarned, own.PointsTakenBack);
    }

    [Fact]
    public async Task Resend_OfAnotherStoresTransactionId_RejectedWithoutItsResult_SameStoreGetsTheDuplicate()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000_000);
        var applied = (await _h.Terminal.SubmitAsync(sale).WithTimeout()).Results[0];
        var otherCard = await _h.RegisterAsync("INV-KZ");

        var foreign = (await _otherStore.SubmitAsync(Tx.Sale(otherCard, Now.AddMinutes(-30), cashMinor: 5_000, id: sale.TransactionId)).WithTimeout()).Results[0];

        Assert.Equal(TransactionOutcome.Rejected, foreign.Outcome);
        Assert.Equal("transaction_id_taken", foreign.Rejection.Code);
        Assert.Equal(string.Empty, foreign.AccountId);
        Assert.Null(foreign.Balance);
        Assert.Equal(0, foreign.PointsEarned);
        var duplicate = (await _sameStore.SubmitAsync(sale).WithTimeout()).Results[0];
        Assert.Equal(TransactionOutcome.Duplicate, duplicate.Outcome);
        Assert.Equal(applied.AccountId, duplicate.AccountId);
        Assert.Equal(applied.Balance.Balance, duplicate.Balance.Balance);
    }

    [Fact]
    public async Task SubmitTransactions_ForAnotherTerminal_PermissionDenied()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000);
        sale.TerminalId = "lane-1";

        var ex = await Assert.ThrowsAsync<RpcException>(() => _otherStore.SubmitAsync(sale)).WithTimeout();

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }
}
