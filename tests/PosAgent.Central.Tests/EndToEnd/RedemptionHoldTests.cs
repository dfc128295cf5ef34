using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// AuthorizeRedemption holds what it authorizes (issue #17): concurrent authorizations of one card
/// never together pass its usable balance or INV-HP's three redeeming orders a day, the sale that
/// quotes an authorization consumes its hold, and a hold ends on release or expiry.
/// Run once per database over a real service on loopback.
/// </summary>
public abstract class RedemptionHoldContract<TProvider> : IClassFixture<TProvider>, IAsyncLifetime
    where TProvider : StoreProvider
{
    /// <summary>One INV-HP line of 1,000 RUB: up to 500 points may pay for it (INV-HP-R3, 50%).</summary>
    private const long LabMinor = 100_000;

    private readonly TProvider _provider;
    private CentralHarness _h = null!;

    protected RedemptionHoldContract(TProvider provider) => _provider = provider;

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(_provider.Connection);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task AuthorizeRedemption_FourConcurrentOnOneInvHpCard_ThreeHeldFourthRefusedForDailyOrders()
    {
        // Several cards at once, four terminals' worth of calls each, all in flight together.
        var cards = new List<string>();
        for (var c = 0; c < 3; c++)
        {
            var card = await _h.RegisterAsync("INV-HP");
            await _h.Admin.GrantAsync(card, 2_000, "gift").WithTimeout();
            cards.Add(card);
        }

        var clients = Enumerable.Range(0, 4).Select(_ => _h.Client(_h.TerminalToken)).ToList();
        var calls = cards.SelectMany(card => clients.Select(client => (card, call: client.AuthorizeAsync(Authorize(card, 100))))).ToList();
        await Task.WhenAll(calls.Select(c => c.call)).WithTimeout(TimeSpan.FromSeconds(60));

        foreach (var card in cards)
        {
            var answers = calls.Where(c => c.card == card).Select(c => c.call.Result).ToList();
            Assert.Equal(3, answers.Count(a => a.Authorized));
            var refused = Assert.Single(answers, a => !a.Authorized);
            Assert.Equal("limit_exceeded", refused.Rejection.Code);
            Assert.Equal("INV-HP-R3", refused.Rejection.RuleId);
            Assert.Equal(0, refused.MaxSpendable);
            Assert.Equal("DailyOrders (INV-HP-R3)", refused.BindingLimit);
        }
    }

    [Fact]
    public async Task AuthorizeRedemption_Two400PointSpendsConcurrentlyOn500Usable_OneRefused()
    {
        var cards = new List<string>();
        for (var c = 0; c < 4; c++)
        {
            var card = await _h.RegisterAsync("INV-HP");
            await _h.Admin.GrantAsync(card, 200, "gift").WithTimeout();
            Assert.Equal(500, (await _h.Terminal.SnapshotAsync(card).WithTimeout()).Balance.Usable);
            cards.Add(card);
        }

        var a = _h.Client(_h.TerminalToken);
        var b = _h.Client(_h.TerminalToken);
        var calls = cards.Select(card => (First: a.AuthorizeAsync(Authorize(card, 400)), Second: b.AuthorizeAsync(Authorize(card, 400)))).ToList();
        await Task.WhenAll(calls.SelectMany(c => new[] { c.First, c.Second })).WithTimeout(TimeSpan.FromSeconds(60));

        foreach (var (first, second) in calls)
        {
            var answers = new[] { first.Result, second.Result };
            Assert.Single(answers, x => x.Authorized);
            var refused = Assert.Single(answers, x => !x.Authorized);
            Assert.Equal("insufficient_points", refused.Rejection.Code);
            Assert.Equal(100, refused.MaxSpendable);
        }
    }

    [Fact]
    public async Task SubmitTransactions_SaleQuotingItsAuthorization_ConsumesTheHoldPointsCountedOnce()
    {
        var card = await _h.RegisterAsync("INV-HP");
        await _h.Admin.GrantAsync(card, 200, "gift").WithTimeout();
        var held = await _h.Terminal.AuthorizeAsync(Authorize(card, 400, "au-sale")).WithTimeout();
        Assert.True(held.Authorized, held.ToString());

        var sale = Tx.Sale(card, _h.Time.GetUtcNow(), cashMinor: LabMinor - 40_000, pointsMinor: 40_000);
        sale.Sale.AuthorizationId = "au-sale";
        var applied = (await _h.Terminal.SubmitAsync(sale).WithTimeout()).Results[0];
        var rest = await _h.Terminal.AuthorizeAsync(Authorize(card, 100)).WithTimeout();
        var more = await _h.Terminal.AuthorizeAsync(Authorize(card, 1)).WithTimeout();

        Assert.Equal(TransactionOutcome.Applied, applied.Outcome);
        Assert.Equal(400, applied.PointsSpent);
        // Counted twice (ledger and hold) there would be nothing left; counted once, 100 are.
        Assert.True(rest.Authorized, rest.ToString());
        Assert.False(more.Authorized);
        Assert.Equal(0, more.MaxSpendable);
    }

    [Fact]
    public async Task AuthorizeRedemption_HoldPastItsTtl_PointsFreeAgain()
    {
        var card = await _h.RegisterAsync("INV-HP");
        await _h.Admin.GrantAsync(card, 200, "gift").WithTimeout();
        var first = await _h.Terminal.AuthorizeAsync(Authorize(card, 400)).WithTimeout();
        var whileHeld = await _h.Terminal.AuthorizeAsync(Authorize(card, 400)).WithTimeout();
        _h.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        var justBefore = await _h.Terminal.AuthorizeAsync(Authorize(card, 400)).WithTimeout();
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var afterExpiry = await _h.Terminal.AuthorizeAsync(Authorize(card, 400)).WithTimeout();

        Assert.True(first.Authorized);
        Assert.Equal(first.HoldExpiresAt.ToDateTimeOffset(), _h.Time.GetUtcNow());
        Assert.False(whileHeld.Authorized);
        Assert.False(justBefore.Authorized);
        Assert.True(afterExpiry.Authorized, afterExpiry.ToString());
    }

    [Fact]
    public async Task ReleaseRedemption_HeldPoints_FreeForTheNextAuthorization()
    {
        var card = await _h.RegisterAsync("INV-HP");
        await _h.Admin.GrantAsync(card, 200, "gift").WithTimeout();
        await _h.Terminal.AuthorizeAsync(Authorize(card, 400, "au-cancelled")).WithTimeout();
        var whileHeld = await _h.Terminal.AuthorizeAsync(Authorize(card, 400)).WithTimeout();

        var released = await _h.Terminal.ReleaseAsync("au-cancelled").WithTimeout();
        var again = await _h.Terminal.ReleaseAsync("au-cancelled").WithTimeout();
        var afterRelease = await _h.Terminal.AuthorizeAsync(Authorize(card, 400)).WithTimeout();

        Assert.False(whileHeld.Authorized);
        Assert.True(released.Released);
        Assert.False(again.Released);
        Assert.True(afterRelease.Authorized, afterRelease.ToString());
    }

    [Fact]
    public async Task AuthorizeRedemption_SameIdAgain_ReplacesItsHoldInsteadOfAddingOne()
    {
        var card = await _h.RegisterAsync("INV-HP");
        await _h.Admin.GrantAsync(card, 200, "gift").WithTimeout();

        var first = await _h.Terminal.AuthorizeAsync(Authorize(card, 400, "au-retry")).WithTimeout();
        var retried = await _h.Terminal.AuthorizeAsync(Authorize(card, 400, "au-retry")).WithTimeout();
        var other = await _h.Terminal.AuthorizeAsync(Authorize(card, 101)).WithTimeout();

        Assert.True(first.Authorized);
        Assert.True(retried.Authorized, retried.ToString());
        Assert.False(other.Authorized);
        Assert.Equal(100, other.MaxSpendable);
    }

    [Fact]
    public async Task AuthorizeRedemption_PointsOverTheBillShareWithPaymentSplit_LimitExceededWithRealMaximum()
    {
        var card = await _h.RegisterAsync("INV-HP");
        await _h.Admin.GrantAsync(card, 5_000, "gift").WithTimeout();
        var request = Authorize(card, 600);
        request.Payments.Add(new Payment { Kind = PaymentKind.Points, AmountMinor = 60_000 });
        request.Payments.Add(new Payment { Kind = PaymentKind.Cash, AmountMinor = LabMinor - 60_000 });

        var answer = await _h.Terminal.AuthorizeAsync(request).WithTimeout();

        Assert.False(answer.Authorized);
        Assert.Equal("limit_exceeded", answer.Rejection.Code);
        Assert.Equal("INV-HP-R3", answer.Rejection.RuleId);
        Assert.Equal(500, answer.MaxSpendable);
        Assert.Equal("BillShare (INV-HP-R3)", answer.BindingLimit);
    }

    [Fact]
    public async Task AuthorizeRedemption_CardNeverAuthorizedAgain_ServersSweepDeletesTheExpiredHold()
    {
        var card = await _h.RegisterAsync("INV-HP");
        await _h.Admin.GrantAsync(card, 500, "gift").WithTimeout();
        var id = "au-" + Guid.NewGuid().ToString("N");
        var held = await _h.Terminal.AuthorizeAsync(Authorize(card, 100, id)).WithTimeout();
        var stored = await _h.Server.Store.ReadAsync((s, ct) => s.GetHoldAsync(id, ct), CancellationToken.None).WithTimeout();

        // The hold lives 15 minutes (the default TTL), and the sweep runs every 15 minutes: two
        // ticks later it is gone although nobody authorized the card again.
        _h.Time.Advance(TimeSpan.FromMinutes(15));
        await _h.Server.HoldSweeper!.LastTick.WithTimeout();
        _h.Time.Advance(TimeSpan.FromMinutes(15));
        await _h.Server.HoldSweeper!.LastTick.WithTimeout();
        var swept = await _h.Server.Store.ReadAsync((s, ct) => s.GetHoldAsync(id, ct), CancellationToken.None).WithTimeout();

        Assert.True(held.Authorized);
        Assert.NotNull(stored);
        Assert.Null(swept);
    }

    private static AuthorizeRedemptionRequest Authorize(string card, long points, string? id = null) => new()
    {
        CardNumber = card,
        Points = points,
        AuthorizationId = id ?? "au-" + Guid.NewGuid().ToString("N"),
        Lines = { new SaleLine { LineId = "l0", Category = "lab", UnitPriceMinor = LabMinor, Quantity = 1 } },
    };
}

public sealed class SqliteRedemptionHoldTests(SqliteStoreProvider provider) : RedemptionHoldContract<SqliteStoreProvider>(provider);

public sealed class PostgresRedemptionHoldTests(PostgresStoreProvider provider) : RedemptionHoldContract<PostgresStoreProvider>(provider);
