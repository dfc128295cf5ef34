using Grpc.Core;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>The local API over the real Unix socket, with no central service configured (offline only).</summary>
public sealed class CheckoutTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestAgent _agent = null!;

    private LocalApiClient Client => _agent.Client;

    public async Task InitializeAsync() => _agent = await TestAgent.StartAsync(_dir);

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<Check> CheckWithLines(params long[] prices)
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        foreach (var price in prices)
        {
            check = await Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = price, Quantity = 1 }).WithTimeout();
        }

        return check;
    }

    private string CachedCard(int n, long usable, long allowance = 2000)
    {
        var card = TestCards.Csm(n);
        _agent.Parts.Cards.Put(TestCards.CsmSnapshot(card, usable, DateTimeOffset.UtcNow, allowance));
        return card;
    }

    [Fact]
    public async Task Commit_Offline_IsInOutboxAfterRestartAndMarkedPending()
    {
        var check = await CheckWithLines(150_000, 50_000);
        var card = CachedCard(1, 0);
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();

        var committed = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 200_000 } }).WithTimeout();

        Assert.True(committed.Pending);
        Assert.Equal(CheckState.Committed, committed.Check.State);
        Assert.True(Guid.TryParse(committed.OperationId, out var id) && id.Version == 7);
        Assert.Equal(check.CheckId, committed.OperationId); // a check is committed once: its id names the sale
        Assert.Equal(60, committed.PointsEarned); // CSM-R2: 3% of 2,000.00 RUB paid in cash
        await _agent.DisposeAsync();
        _agent = await TestAgent.StartAsync(_dir);
        var status = await Client.GetStatusAsync().WithTimeout();
        Assert.Equal(1, status.Outbox.Pending);
        Assert.Equal(CheckState.Committed, (await Client.GetCheckAsync(new GetCheckRequest { CheckId = check.CheckId }).WithTimeout()).State);
    }

    [Fact]
    public async Task Quote_CardWithPoints_ExplainsEarnAndBindingLimit()
    {
        var check = await CheckWithLines(100_000);
        var card = CachedCard(2, 5000, allowance: 300);
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();

        var quote = await Client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId }).WithTimeout();

        Assert.Equal(30, quote.PointsToEarn);
        Assert.Contains(quote.Explanation, e => e.RuleId.StartsWith("CSM", StringComparison.Ordinal) && e.Points == 30);
        Assert.Equal(300, quote.MaxPointsSpendable);
        Assert.Equal("offline_allowance", quote.BindingLimit);
        Assert.Equal(DataSource.OfflineEstimate, quote.Source);
        Assert.Equal("CSM", quote.ProgramId);
    }

    [Fact]
    public async Task Commit_OfflinePointsWithinAllowance_AuthorizedOfflineAndExposureReported()
    {
        var card = CachedCard(3, 5000, allowance: 500);
        var check = await CheckWithLines(100_000);
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();

        var committed = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 70_000, Points = 300 } }).WithTimeout();

        Assert.Equal(RedemptionAuthorization.OfflineAllowance, committed.Redemption);
        Assert.Equal(300, committed.PointsSpent);
        var status = await Client.GetStatusAsync().WithTimeout();
        Assert.Equal(300, status.OfflineExposure.PointsUnconfirmed);
        Assert.Equal(1, status.OfflineExposure.Cards);

        var second = await CheckWithLines(100_000);
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = second.CheckId, CardNumber = card }).WithTimeout();
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = second.CheckId, Payment = new PaymentSplit { CashMinor = 70_000, Points = 300 } }).WithTimeout());
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("at most 200 points", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttachCard_BlockedInCache_RefusedWithReason()
    {
        var card = CachedCard(4, 1000);
        _agent.Parts.Cards.Apply(new Loyalty.CardChange { CardNumber = card, State = Loyalty.CardState.Blocked });
        var check = await CheckWithLines(10_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("blocked", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(card, error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 1, "unit_price_minor")]
    [InlineData(100, 0, "quantity")]
    public async Task AddLine_BadInput_InvalidArgumentNamingTheField(long price, int quantity, string field)
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Category = "medical", UnitPriceMinor = price, Quantity = quantity }).WithTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddLine_UnknownCheckOrCategory_InvalidArgument()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.AddLineAsync(new AddLineRequest { CheckId = "nope", Category = "medical", UnitPriceMinor = 1, Quantity = 1 }).WithTimeout());
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Contains("no open check 'nope'", unknown.Status.Detail, StringComparison.Ordinal);

        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        var category = await Assert.ThrowsAsync<RpcException>(() => Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Category = "spaceships", UnitPriceMinor = 1, Quantity = 1 }).WithTimeout());
        Assert.Equal(StatusCode.InvalidArgument, category.StatusCode);
        Assert.Contains("medical", category.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_BadPayments_ClearErrors()
    {
        var check = await CheckWithLines(10_000);
        var mismatch = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 9_000 } }).WithTimeout());
        Assert.Equal(StatusCode.InvalidArgument, mismatch.StatusCode);
        Assert.Contains("add up to 9000 but the check total is 10000", mismatch.Status.Detail, StringComparison.Ordinal);

        var noCard = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 9_000, Points = 10 } }).WithTimeout());
        Assert.Equal(StatusCode.FailedPrecondition, noCard.StatusCode);

        var negative = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 11_000, BankCardMinor = -1_000 } }).WithTimeout());
        Assert.Equal(StatusCode.InvalidArgument, negative.StatusCode);
        Assert.StartsWith("payment.bank_card_minor", negative.Status.Detail, StringComparison.Ordinal);

        var ok = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { BankCardMinor = 10_000 } }).WithTimeout();
        var again = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { BankCardMinor = 10_000 } }).WithTimeout());
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Equal(0, (await Client.GetStatusAsync().WithTimeout()).Outbox.Pending); // no card: kept here, never sent
        Assert.False(ok.Pending);
        Assert.NotEmpty(ok.OperationId);
    }

    [Fact]
    public async Task Refund_ByLinesThenWhole_TracksWhatIsLeft()
    {
        var check = await CheckWithLines(10_000, 20_000);
        var card = CachedCard(5, 0);
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
        var sale = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 30_000 } }).WithTimeout();
        var secondLine = sale.Check.Lines[1].LineId;

        var partial = await Client.RefundAsync(new RefundRequest { CheckId = check.CheckId, Lines = { new RefundLine { LineId = secondLine, Quantity = 1 } } }).WithTimeout();
        Assert.Equal(20_000, partial.RefundMinor);
        Assert.Equal(6, partial.PointsTakenBack); // 2/3 of the 9 points estimated
        Assert.Equal(CheckState.PartiallyRefunded, partial.Check.State);

        var twice = await Assert.ThrowsAsync<RpcException>(() => Client.RefundAsync(new RefundRequest { CheckId = check.CheckId, Lines = { new RefundLine { LineId = secondLine, Quantity = 1 } } }).WithTimeout());
        Assert.Equal(StatusCode.InvalidArgument, twice.StatusCode);

        var rest = await Client.RefundAsync(new RefundRequest { OperationId = sale.OperationId }).WithTimeout();
        Assert.Equal(10_000, rest.RefundMinor);
        Assert.Equal(CheckState.Refunded, rest.Check.State);
        Assert.Equal(3, (await Client.GetStatusAsync().WithTimeout()).Outbox.Pending);
        var refundOp = _agent.Parts.Store.FindOperation(partial.RefundOperationId)!;
        Assert.Equal(sale.OperationId, Loyalty.TerminalTransaction.Parser.ParseFrom(refundOp.Payload).Refund.OriginalTransactionId);
    }

    [Fact]
    public async Task Refund_CheckIdAndAnotherSalesOperationId_RefusedNothingRefunded()
    {
        var first = await CheckWithLines(10_000);
        var firstSale = await Client.CommitAsync(new CommitRequest { CheckId = first.CheckId, Payment = new PaymentSplit { CashMinor = 10_000 } }).WithTimeout();
        var second = await CheckWithLines(20_000);
        var secondSale = await Client.CommitAsync(new CommitRequest { CheckId = second.CheckId, Payment = new PaymentSplit { CashMinor = 20_000 } }).WithTimeout();

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.RefundAsync(new RefundRequest { CheckId = first.CheckId, OperationId = secondSale.OperationId }).WithTimeout());

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains($"operation_id: '{secondSale.OperationId}' is not the sale of check '{first.CheckId}'", refused.Status.Detail, StringComparison.Ordinal);
        var both = await Client.RefundAsync(new RefundRequest { CheckId = first.CheckId, OperationId = firstSale.OperationId }).WithTimeout();
        Assert.Equal(10_000, both.RefundMinor);
        var untouched = await Client.RefundAsync(new RefundRequest { CheckId = second.CheckId }).WithTimeout();
        Assert.Equal(20_000, untouched.RefundMinor);
    }

    [Fact]
    public async Task PrintReceipt_OfflineSale_ShowsMaskedCardPendingAndCopyOnReprint()
    {
        var card = CachedCard(6, 5000);
        var check = await CheckWithLines(100_000);
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
        var sale = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 90_000, Points = 100 }, PrintReceipt = true }).WithTimeout();
        Assert.NotEmpty(sale.PrintJobId);

        var receipt = await File.ReadAllTextAsync(Path.Combine(_agent.Host.Options.DataDirectory, "receipts", sale.PrintJobId + ".txt"));
        Assert.Contains("****" + card[^4..], receipt, StringComparison.Ordinal);
        Assert.DoesNotContain(card, receipt, StringComparison.Ordinal);
        // CSM is a RUB program: without a configured language its receipts are Russian.
        Assert.Contains("(ожидает)", receipt, StringComparison.Ordinal);
        Assert.Matches(@"Списано баллов\s+100", receipt);
        Assert.Matches(@"Остаток баллов\s+4\u00A0927 \(ожидает\)", receipt); // 5000 - 100 + 27 (3% of the 900.00 paid in money)

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.PrintReceiptAsync(new PrintReceiptRequest { OperationId = sale.OperationId }).WithTimeout());
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        var copy = await Client.PrintReceiptAsync(new PrintReceiptRequest { CheckId = check.CheckId, Reprint = true }).WithTimeout();
        Assert.Contains("*** КОПИЯ ***", copy.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchEvents_CardAttached_IsStreamed()
    {
        using var cts = new CancellationTokenSource();
        await using var events = Client.WatchEventsAsync(new WatchEventsRequest { Kinds = { EventKind.CardAttached } }, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = events.MoveNextAsync().AsTask();
        var card = CachedCard(7, 10);
        var check = await CheckWithLines(1_000);

        // The stream is subscribed once the server has the call; attach until the event arrives.
        while (!next.IsCompleted)
        {
            await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
            await Task.WhenAny(next, Task.Delay(50));
        }

        Assert.True(await next.WithTimeout());
        Assert.Equal(check.CheckId, events.Current.CardAttached.CheckId);
        Assert.Equal("****" + card[^4..], events.Current.CardAttached.Card.MaskedNumber);
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Members_NoCentral_UnavailableWithClearMessage()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.RegisterMemberAsync(new RegisterMemberRequest { ProgramId = "CSM", FullName = "A B", Consent = true }).WithTimeout());
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("needs the central service", error.Status.Detail, StringComparison.Ordinal);

        var balance = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = CachedCard(8, 42) }).WithTimeout();
        Assert.Equal(42, balance.Card.Usable);
        Assert.Equal(DataSource.OfflineEstimate, balance.Card.Source);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Socket_HasConfiguredMode()
    {
        var mode = File.GetUnixFileMode(_agent.Host.SocketPath!);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
        await Client.PingAsync().WithTimeout();
    }
}
