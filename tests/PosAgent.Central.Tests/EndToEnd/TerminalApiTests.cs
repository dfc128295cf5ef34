using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>The terminal-facing service over real Kestrel on loopback, SQLite store.</summary>
public sealed class TerminalApiTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-central-");
    private CentralHarness _h = null!;

    private DateTimeOffset Now => _h.Time.GetUtcNow();

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(_dir.File("central.db"));

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task SubmitTransactions_ManyBatchesOnFewCardsConcurrently_NoUpdateLost()
    {
        var cards = new List<string>();
        for (var c = 0; c < 3; c++)
        {
            cards.Add(await _h.RegisterAsync("INV-KZ"));
        }

        var welcome = (await _h.Terminal.SnapshotAsync(cards[0]).WithTimeout()).Balance.Balance;
        var clients = Enumerable.Range(0, 4).Select(_ => _h.Client(_h.TerminalToken)).ToList();
        var batches = Enumerable.Range(0, 16).Select(b => Enumerable.Range(0, 6).Select(k =>
            Tx.Sale(cards[k % 3], Now.AddMinutes(-200 + (b * 6) + k), cashMinor: 100_000 + (k * 50_000), id: $"c-{b}-{k}")).ToArray()).ToList();

        // All at once: each batch is worked out from a snapshot that other batches' writes overtake,
        // so the write must notice the accounts that moved and work those out again.
        var responses = await Task.WhenAll(batches.Select((batch, b) => clients[b % clients.Count].SubmitAsync(batch))).WithTimeout(TimeSpan.FromSeconds(60));

        var results = responses.SelectMany(r => r.Results).ToList();
        Assert.Equal(96, results.Count);
        Assert.All(results, r => Assert.Equal(TransactionOutcome.Applied, r.Outcome));
        foreach (var card in cards)
        {
            var earned = batches.SelectMany(b => b).Zip(results).Where(p => p.First.CardNumber == card).Sum(p => p.Second.PointsEarned);
            var balance = (await _h.Terminal.SnapshotAsync(card).WithTimeout()).Balance.Balance;
            Assert.Equal(welcome + earned, balance);
        }
    }

    [Fact]
    public async Task SubmitTransactions_SaleThenSameIdAgain_AppliedOnceDuplicateReturnsOriginal()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddMinutes(-5), cashMinor: 1_200_000); // 12,000 KZT

        var first = (await _h.Terminal.SubmitAsync(sale).WithTimeout()).Results.Single();
        var again = (await _h.Terminal.SubmitAsync(sale).WithTimeout()).Results.Single();
        var snapshot = await _h.Terminal.SnapshotAsync(card).WithTimeout();

        Assert.Equal(TransactionOutcome.Applied, first.Outcome);
        Assert.True(first.PointsEarned > 0, "a paid lab order earns points (INV-KZ-R1)");
        Assert.NotEmpty(first.Explanation);
        Assert.Equal(first.PointsEarned, first.Explanation.Sum(e => e.Points));
        Assert.Equal("INV-KZ", first.ProgramId);
        Assert.False(string.IsNullOrEmpty(first.ProgramVersion));
        Assert.Equal(TransactionOutcome.Duplicate, again.Outcome);
        Assert.Equal(first.PointsEarned, again.PointsEarned);
        Assert.Equal(first.Balance, again.Balance);
        Assert.Equal(first.Balance.Balance, snapshot.Balance.Balance);
    }

    [Fact]
    public async Task RegisterMember_AtiWithReferrer_ReferrerGetsReferralPoints()
    {
        var referrer = await RegisterAtiAsync("ref-1", null);
        var before = (await _h.Terminal.SnapshotAsync(referrer)).Balance.Balance;

        await RegisterAtiAsync("new-1", referrer);
        await RegisterAtiAsync("new-1", referrer); // a retry of the same registration grants nothing twice
        var after = (await _h.Terminal.SnapshotAsync(referrer)).Balance.Balance;

        Assert.Equal(before + 50, after); // ATI-R3, 50 points in programs/ati.json
        var tooSmall = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.RegisterAsync(Registration("ati-2", 1_000, null))).WithTimeout();
        Assert.Equal(StatusCode.FailedPrecondition, tooSmall.StatusCode); // ATI-R1: membership after a set amount of services
    }

    private async Task<string> RegisterAtiAsync(string requestId, string? referrer) =>
        (await _h.Terminal.RegisterAsync(Registration(requestId, 50_000_000, referrer)).WithTimeout()).Card.CardNumber;

    private RegisterMemberRequest Registration(string requestId, long paid, string? referrer) => new()
    {
        RequestId = requestId,
        ProgramId = "ATI",
        FullName = "Test Member",
        Phone = "+989121234567",
        ConsentPersonalData = true,
        QualifyingPaymentMinor = paid,
        ReferrerCardNumber = referrer ?? string.Empty,
        BusinessTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(_h.RegisteredAt),
    };

    [Fact]
    public async Task SubmitTransactions_SameIdTwiceInOneBatch_SecondIsDuplicateOfFirst()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddMinutes(-1), cashMinor: 500_000);
        var before = (await _h.Terminal.SnapshotAsync(card)).Balance.Balance;

        var results = (await _h.Terminal.SubmitAsync(sale, sale.Clone()).WithTimeout()).Results;
        var after = (await _h.Terminal.SnapshotAsync(card)).Balance.Balance;

        Assert.Equal([TransactionOutcome.Applied, TransactionOutcome.Duplicate], results.Select(r => r.Outcome));
        Assert.Equal(before + results[0].PointsEarned, after);
    }

    [Fact]
    public async Task SubmitTransactions_BatchOutOfOrder_AppliedInBusinessTimeOrder()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var earn = Tx.Sale(card, Now.AddHours(-2), cashMinor: 2_000_000);
        var earned = (await _h.Admin.SnapshotAsyncAdminless(_h, earn)).PointsEarned;
        // Spends points that only the earlier sale (submitted later in the batch) provides.
        var spend = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000_000, pointsMinor: earned * 100);
        var secondEarn = Tx.Sale(card, Now.AddHours(-3), cashMinor: 100_000);

        var results = (await _h.Terminal.SubmitAsync(spend, secondEarn).WithTimeout()).Results;

        Assert.All(results, r => Assert.Equal(TransactionOutcome.Applied, r.Outcome));
        Assert.Equal(earned, results[0].PointsSpent);
        // The result of the later sale reflects the earlier one (applied first): balances chain by business time.
        Assert.True(results[1].Balance.Balance < results[0].Balance.Balance + results[0].PointsSpent);
    }

    [Fact]
    public async Task SubmitTransactions_UnknownCardAndBadRefund_RejectedPerTransactionOthersApplied()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var good = Tx.Sale(card, Now.AddMinutes(-3), cashMinor: 300_000);
        var unknown = Tx.Sale("2601000000000", Now.AddMinutes(-3), cashMinor: 300_000);
        var orphanRefund = Tx.Refund("no-such-sale", Now.AddMinutes(-2));

        var results = (await _h.Terminal.SubmitAsync(good, unknown, orphanRefund).WithTimeout()).Results;

        Assert.Equal(TransactionOutcome.Applied, results[0].Outcome);
        Assert.Equal(TransactionOutcome.Rejected, results[1].Outcome);
        Assert.Equal("card_not_found", results[1].Rejection.Code);
        Assert.DoesNotContain("2601000000000", results[1].Rejection.Message, StringComparison.Ordinal);
        Assert.Equal("original_not_found", results[2].Rejection.Code);
    }

    [Fact]
    public async Task SubmitTransactions_RefundOneLine_TakesBackItsPointsOnly()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now.AddHours(-1), cashMinor: 1_000_000, lines: 2);
        var applied = (await _h.Terminal.SubmitAsync(sale).WithTimeout()).Results[0];

        var refund = (await _h.Terminal.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-30), ("l0", 1))).WithTimeout()).Results[0];
        var again = (await _h.Terminal.SubmitAsync(Tx.Refund(sale.TransactionId, Now.AddMinutes(-20), ("l0", 1))).WithTimeout()).Results[0];

        Assert.Equal(TransactionOutcome.Applied, refund.Outcome);
        Assert.True(refund.PointsTakenBack > 0 && refund.PointsTakenBack < applied.PointsEarned, $"took back {refund.PointsTakenBack} of {applied.PointsEarned}");
        Assert.Equal(applied.Balance.Balance - refund.PointsTakenBack, refund.Balance.Balance);
        Assert.Equal(TransactionOutcome.Rejected, again.Outcome);
        Assert.Equal("already_refunded", again.Rejection.Code);
    }

    [Fact]
    public async Task SubmitTransactions_BadQuantity_InvalidArgumentNamingTheField()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now, cashMinor: 1000);
        sale.Sale.Lines[0].Quantity = 0;

        var ex = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.SubmitAsync(Tx.Sale(card, Now, 1000), sale)).WithTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("transactions[1].sale.lines[0].quantity:", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("business_time")]
    [InlineData("payments")]
    [InlineData("transaction_id")]
    [InlineData("card_number")]
    public async Task SubmitTransactions_InvalidField_InvalidArgumentNamesIt(string field)
    {
        var sale = Tx.Sale("2601000000000", Now, cashMinor: 1000);
        switch (field)
        {
            case "business_time": sale.BusinessTime = Timestamp.FromDateTimeOffset(Now.AddHours(1)); break;
            // More than the lines total (less can be a discount card's price, which only the account knows).
            case "payments": sale.Sale.Payments[0].AmountMinor = 1001; break;
            case "transaction_id": sale.TransactionId = "has spaces"; break;
            case "card_number": sale.CardNumber = "12ab"; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.SubmitAsync(sale)).WithTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains($"transactions[0].{(field == "payments" ? "sale.payments" : field)}", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("transaction_id")]
    [InlineData("card_number")]
    [InlineData("line_id")]
    public async Task SubmitTransactions_MegabyteField_InvalidArgumentWithAShortMessage(string field)
    {
        var huge = new string('7', 1_000_000);
        var sale = Tx.Sale("2601000000000", Now, cashMinor: 1000);
        switch (field)
        {
            case "transaction_id": sale.TransactionId = huge; break;
            case "card_number": sale.CardNumber = huge; break;
            case "line_id": sale.Sale.Lines[0].LineId = huge; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.SubmitAsync(sale)).WithTimeout();

        // Echoed whole, the id broke the metadata limit and the caller saw RESOURCE_EXHAUSTED.
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.True(ex.Status.Detail.Length <= 400, $"{ex.Status.Detail.Length} characters of detail");
        Assert.Contains("transactions[0]", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_WithoutToken_Unauthenticated()
    {
        var anonymous = _h.Client(null);
        var forged = _h.Client("pa1.0123456789abcdef.AAAA");

        var none = await Assert.ThrowsAsync<RpcException>(() => anonymous.SnapshotAsync("2601000000000")).WithTimeout();
        var wrong = await Assert.ThrowsAsync<RpcException>(() => forged.SnapshotAsync("2601000000000")).WithTimeout();

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
    }

    [Fact]
    public async Task Calls_TerminalTokenOnAdminService_PermissionDenied()
    {
        var terminalAsAdmin = _h.Client(_h.TerminalToken);

        var ex = await Assert.ThrowsAsync<RpcException>(() => terminalAsAdmin.RunJobAsync("expiry", Now)).WithTimeout();

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task SubmitTransactions_AsAnotherTerminal_PermissionDenied()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var sale = Tx.Sale(card, Now, cashMinor: 1000);
        sale.TerminalId = "lane-2";

        var ex = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.SubmitAsync(sale)).WithTimeout();

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("lane-2", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeTerminal_ThenCall_PermissionDenied()
    {
        var created = await _h.Admin.CreateTerminalAsync("lane-9", "shop-1").WithTimeout();
        var lane9 = _h.Client(created.Token);
        await lane9.ProgramsAsync().WithTimeout();

        await _h.Admin.RevokeTerminalAsync("lane-9").WithTimeout();
        var ex = await Assert.ThrowsAsync<RpcException>(() => lane9.ProgramsAsync()).WithTimeout();

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("revoked", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlockCard_ThenSale_RejectedAndFeedShowsBlock()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var cursor = (await _h.Terminal.SnapshotAsync(card)).ChangeCursor;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = _h.Terminal.Watching(cursor, cts.Token);

        await _h.Admin.BlockAsync(card, "suspicious operations").WithTimeout();
        var result = (await _h.Terminal.SubmitAsync(Tx.Sale(card, Now, cashMinor: 100_000)).WithTimeout()).Results[0];
        var pulled = await _h.Terminal.PullAsync(cursor).WithTimeout();
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token).WithTimeout());
        var watched = watch.ResponseStream.Current;

        Assert.Equal("card_blocked", result.Rejection.Code);
        var change = Assert.Single(pulled.Changes);
        Assert.Equal(card, change.Card.CardNumber);
        Assert.Equal(CardState.Blocked, change.Card.State);
        Assert.Equal(change.Cursor, watched.Cursor);
        Assert.Equal(CardState.Blocked, watched.Card.State);
    }

    [Fact]
    public async Task ReplaceCard_LotsMoveOldCardRefusedFeedShowsReplacement()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var earned = (await _h.Terminal.SubmitAsync(Tx.Sale(card, Now.AddMinutes(-10), cashMinor: 1_000_000)).WithTimeout()).Results[0].Balance.Balance;
        var cursor = (await _h.Terminal.SnapshotAsync(card)).ChangeCursor;

        var replaced = await _h.Terminal.ReplaceAsync(new ReplaceCardRequest { RequestId = "rep-1", OldCardNumber = card, Reason = "lost" }).WithTimeout();
        var retry = await _h.Terminal.ReplaceAsync(new ReplaceCardRequest { RequestId = "rep-1", OldCardNumber = card, Reason = "lost" }).WithTimeout();
        var onOld = (await _h.Terminal.SubmitAsync(Tx.Sale(card, Now, cashMinor: 1000)).WithTimeout()).Results[0];
        var newSnapshot = await _h.Terminal.SnapshotAsync(replaced.NewCard.CardNumber).WithTimeout();
        var feed = await _h.Terminal.PullAsync(cursor).WithTimeout();

        Assert.Equal(CardState.Replaced, replaced.OldCard.State);
        Assert.Equal(earned, replaced.PointsMoved);
        Assert.Equal(replaced.NewCard.CardNumber, retry.NewCard.CardNumber);
        Assert.Equal("card_replaced", onOld.Rejection.Code);
        Assert.Equal(earned, newSnapshot.Balance.Balance);
        Assert.Contains(feed.Changes, c => c.Card.CardNumber == card && c.Card.State == CardState.Replaced && c.Card.ReplacedByCardNumber == replaced.NewCard.CardNumber);
    }

    [Fact]
    public async Task AuthorizeRedemption_MoreThanAllowed_RefusedWithBindingLimit()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        await _h.Terminal.SubmitAsync(Tx.Sale(card, Now.AddMinutes(-10), cashMinor: 1_000_000)).WithTimeout();
        var usable = (await _h.Terminal.SnapshotAsync(card)).Balance.Usable;

        var tooMuch = await _h.Terminal.AuthorizeAsync(new AuthorizeRedemptionRequest { CardNumber = card, Points = usable + 1, AuthorizationId = "au-2" }).WithTimeout();
        var ok = await _h.Terminal.AuthorizeAsync(new AuthorizeRedemptionRequest { CardNumber = card, Points = usable, AuthorizationId = "au-1" }).WithTimeout();

        Assert.True(ok.Authorized);
        Assert.Equal(usable, ok.PointsAuthorized);
        Assert.False(tooMuch.Authorized);
        // As SubmitTransactions answers a sale over the usable balance.
        Assert.Equal("insufficient_points", tooMuch.Rejection.Code);
        Assert.Equal(usable, tooMuch.MaxSpendable);
        Assert.Equal("UsableBalance", tooMuch.BindingLimit);
    }
}

internal static class HarnessExtensions
{
    /// <summary>Applies one sale and returns its result (a helper for tests that need points first).</summary>
    public static async Task<TransactionResult> SnapshotAsyncAdminless(this CentralClient _, CentralHarness h, TerminalTransaction sale) =>
        (await h.Terminal.SubmitAsync(sale).WithTimeout()).Results[0];
}
