using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Storage;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Hosting;
using PosAgent.Rules;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>Two service instances on one PostgreSQL database, over real Kestrel: no double application, no lost update.</summary>
public sealed class TwoInstancesTests(PostgresStoreProvider provider) : IClassFixture<PostgresStoreProvider>, IAsyncLifetime
{
    private CentralHarness _a = null!;
    private CentralServer _b = null!;
    private CentralClient _bTerminal = null!;
    private GrpcChannel _bChannel = null!;

    public async Task InitializeAsync()
    {
        _a = await CentralHarness.StartAsync(provider.Connection);
        var options = new CentralOptions { Store = provider.Connection, StateDirectory = Path.GetTempPath(), JobInterval = TimeSpan.Zero };
        options.Urls.Add("http://127.0.0.1:0");
        _b = await CentralServer.StartAsync(options, _a.Time, NullLoggerFactory.Instance).WithTimeout(TimeSpan.FromSeconds(60));
        _bChannel = GrpcChannels.ForAddress(_b.Addresses[0]);
        // The same terminal's token works on every instance: credentials live in the shared store.
        _bTerminal = new CentralClient(_bChannel, _a.TerminalToken);
    }

    public async Task DisposeAsync()
    {
        _bChannel.Dispose();
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task SubmitTransactions_SameBatchesToBothInstancesConcurrently_EachAppliedOnceBalancesExact()
    {
        var t0 = _a.Time.GetUtcNow().AddHours(-3);
        var cards = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            cards.Add(await _a.RegisterAsync("INV-KZ"));
        }

        var welcome = (await _a.Terminal.SnapshotAsync(cards[0])).Balance.Balance;
        var sales = cards.SelectMany((card, c) => Enumerable.Range(0, 12).Select(k =>
            Tx.Sale(card, t0.AddMinutes((k * 5) + c), cashMinor: 150_000 + (k * 10_000), id: $"s-{c}-{k}"))).ToList();
        var batches = sales.Chunk(8).ToList();

        // Every batch goes to both instances at once, and twice to each: 4 racing submissions per batch.
        // Batches follow each other (as one terminal's outbox drains), so business-time order holds.
        var responses = new List<SubmitTransactionsResponse>();
        foreach (var batch in batches)
        {
            responses.AddRange(await Task.WhenAll(new[] { _a.Terminal, _bTerminal, _a.Terminal, _bTerminal }
                .Select(client => client.SubmitAsync(batch))).WithTimeout(TimeSpan.FromSeconds(60)));
        }

        var byId = responses.SelectMany(r => r.Results).GroupBy(r => r.TransactionId).ToList();
        Assert.Equal(sales.Count, byId.Count);
        Assert.All(byId, g =>
        {
            Assert.Equal(1, g.Count(r => r.Outcome == TransactionOutcome.Applied));
            Assert.Equal(3, g.Count(r => r.Outcome == TransactionOutcome.Duplicate));
            Assert.Single(g.Select(r => r.PointsEarned).Distinct());
        });

        // The oracle: the same sales through the rules engine, one at a time, in business-time order.
        var engine = new LoyaltyEngine(LoyaltyProgram.Load(Path.Combine(CentralDefaults.FindProgramsDirectory()!, "inv-kz.json")));
        for (var c = 0; c < cards.Count; c++)
        {
            var state = engine.Enroll(new EnrollRequest { AccountId = "oracle", CardNumber = cards[c], At = _a.RegisteredAt }).State;
            foreach (var sale in sales.Where(s => s.CardNumber == cards[c]).OrderBy(s => s.BusinessTime.ToDateTimeOffset()))
            {
                state = engine.ApplySale(state, new SaleRequest
                {
                    TransactionId = sale.TransactionId,
                    At = sale.BusinessTime.ToDateTimeOffset(),
                    Lines = [new PosAgent.Rules.SaleLine { Category = "lab", AmountMinor = sale.Sale.Lines[0].UnitPriceMinor }],
                    Payments = [new PosAgent.Rules.Payment(PaymentType.Cash, sale.Sale.Payments[0].AmountMinor)],
                }).State;
            }

            var expected = engine.Summarize(state, _a.Time.GetUtcNow()).Balance;
            var actual = (await _bTerminal.SnapshotAsync(cards[c]).WithTimeout()).Balance.Balance;
            Assert.True(expected == actual, $"card {c}: engine says {expected}, service says {actual}");
            Assert.True(actual > welcome, "the sales earned points");
        }

        var ledger = await _b.Store.ReadAsync((s, ct) => s.GetEntriesAsync(sales.Select(x => x.TransactionId).ToList(), ct), CancellationToken.None);
        Assert.Equal(sales.Count, ledger.Count);
    }

    [Fact]
    public async Task SubmitTransactions_ConflictingSpendsOnTwoInstances_OnlyOneSpendsNoLostUpdate()
    {
        var t0 = _a.Time.GetUtcNow().AddHours(-2);
        var cards = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var card = await _a.RegisterAsync("INV-KZ");
            await _a.Terminal.SubmitAsync(Tx.Sale(card, t0, cashMinor: 2_000_000)).WithTimeout();
            cards.Add(card);
        }

        var before = new Dictionary<string, long>();
        foreach (var card in cards)
        {
            before[card] = (await _a.Terminal.SnapshotAsync(card)).Balance.Usable;
        }

        // Two different sales per card, each spending every usable point (90% of the bill, INV-KZ-R7),
        // one to each instance at once; what the winner's cash part earns is far less than a second spend needs.
        var pairs = cards.Select(card => (
            A: Tx.Sale(card, t0.AddMinutes(30), cashMinor: (before[card] * 100 / 9) + 100, pointsMinor: before[card] * 100),
            B: Tx.Sale(card, t0.AddMinutes(30), cashMinor: (before[card] * 100 / 9) + 100, pointsMinor: before[card] * 100))).ToList();
        var results = await Task.WhenAll(pairs.SelectMany(p => new[]
        {
            _a.Terminal.SubmitAsync(p.A),
            _bTerminal.SubmitAsync(p.B),
        })).WithTimeout(TimeSpan.FromSeconds(60));

        for (var i = 0; i < cards.Count; i++)
        {
            var a = results[2 * i].Results[0];
            var b = results[(2 * i) + 1].Results[0];
            Assert.True(a.Outcome == TransactionOutcome.Applied ^ b.Outcome == TransactionOutcome.Applied, $"before {before[cards[i]]}: {a}  ///  {b}");
            var winner = Assert.Single(new[] { a, b }, r => r.Outcome == TransactionOutcome.Applied);
            var loser = Assert.Single(new[] { a, b }, r => r.Outcome == TransactionOutcome.Rejected);
            Assert.Equal(before[cards[i]], winner.PointsSpent);
            Assert.True(loser.Rejection.Code is "insufficient_points" or "limit_exceeded", loser.ToString());
            var final = (await _a.Terminal.SnapshotAsync(cards[i]).WithTimeout()).Balance;
            Assert.Equal(winner.Balance.Balance, final.Balance);
            Assert.Equal(before[cards[i]] - winner.PointsSpent + winner.PointsEarned, final.Usable);
        }
    }

    [Fact]
    public async Task AuthorizeRedemption_ConcurrentOnBothInstances_HoldsNeverPassDailyOrdersOrBalance()
    {
        var line = new PosAgent.Contracts.Loyalty.V1.SaleLine { LineId = "l0", Category = "lab", UnitPriceMinor = 100_000, Quantity = 1 };
        AuthorizeRedemptionRequest Authorize(string card, long points) => new()
        {
            CardNumber = card,
            Points = points,
            AuthorizationId = "au-" + Guid.NewGuid().ToString("N"),
            Lines = { line },
        };

        var ordersCards = new List<string>();
        var balanceCards = new List<string>();
        for (var c = 0; c < 3; c++)
        {
            var card = await _a.RegisterAsync("INV-HP");
            await _a.Admin.GrantAsync(card, 2_000, "gift").WithTimeout();
            ordersCards.Add(card);
            card = await _a.RegisterAsync("INV-HP");
            await _a.Admin.GrantAsync(card, 200, "gift").WithTimeout(); // 500 usable with the welcome
            balanceCards.Add(card);
        }

        // INV-HP-R3: three redeeming orders a day; four authorizations per card, two on each instance.
        var orderCalls = ordersCards.SelectMany(card => new[] { _a.Terminal, _bTerminal, _a.Terminal, _bTerminal }
            .Select(client => (card, call: client.AuthorizeAsync(Authorize(card, 100))))).ToList();
        // 400 and 400 on 500 usable: one on each instance.
        var balanceCalls = balanceCards.SelectMany(card => new[] { _a.Terminal, _bTerminal }
            .Select(client => (card, call: client.AuthorizeAsync(Authorize(card, 400))))).ToList();
        await Task.WhenAll(orderCalls.Concat(balanceCalls).Select(c => c.call)).WithTimeout(TimeSpan.FromSeconds(60));

        foreach (var card in ordersCards)
        {
            var answers = orderCalls.Where(c => c.card == card).Select(c => c.call.Result).ToList();
            Assert.Equal(3, answers.Count(x => x.Authorized));
            Assert.Equal("limit_exceeded", Assert.Single(answers, x => !x.Authorized).Rejection.Code);
        }

        foreach (var card in balanceCards)
        {
            var answers = balanceCalls.Where(c => c.card == card).Select(c => c.call.Result).ToList();
            Assert.Single(answers, x => x.Authorized);
            var refused = Assert.Single(answers, x => !x.Authorized);
            Assert.Equal("insufficient_points", refused.Rejection.Code);
            Assert.Equal(100, refused.MaxSpendable);
        }
    }

    [Fact]
    public async Task RevokeOnOneInstance_OtherInstanceRefusesAfterCacheTtl()
    {
        var credentials = new CredentialService(_b.Store, _a.Time, TimeSpan.Zero);
        var (_, token) = await credentials.CreateAsync(CredentialRole.Terminal, "lane-7", "shop-2", "t", CancellationToken.None);
        var onB = new CentralClient(_bChannel, token);
        await onB.ProgramsAsync().WithTimeout();

        await _a.Admin.RevokeTerminalAsync("lane-7").WithTimeout();
        _a.Time.Advance(TimeSpan.FromSeconds(6)); // past CredentialCacheTtl (5 s)
        var ex = await Assert.ThrowsAsync<RpcException>(() => onB.ProgramsAsync()).WithTimeout();

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }
}
