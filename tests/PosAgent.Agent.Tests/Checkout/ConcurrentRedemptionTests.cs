using Grpc.Core;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>
/// Issue #17's reproductions through the real agent and the real central service: points-paying
/// commits on one card sent at once are judged one after the other, each with the ones before it
/// (held at the central service, unsynced at the agent), so the till never promises points the
/// ledger will refuse; what the till accepted is applied, never parked.
/// </summary>
[Collection("survival")]
public sealed class ConcurrentRedemptionTests : IAsyncLifetime
{
    /// <summary>One INV-HP lab line of 1,000 RUB: up to 500 points may pay for it (INV-HP-R3).</summary>
    private const long LabMinor = 100_000;

    private readonly TempDirectory _dir = new();
    private CentralFixture _central = null!;
    private TestAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        var token = await _central.TokenAsync("lane-redeem");
        _agent = await TestAgent.StartAsync(_dir, o =>
        {
            o.TerminalId = "lane-redeem";
            o.CentralAddress = _central.Address;
            o.CentralToken = token;
            // The central service must answer the authorizations even on a loaded machine: a
            // slow answer would turn an online commit into an offline one.
            o.Sync.OnlineBudget = TimeSpan.FromSeconds(20);
        });
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task InvHp_R3_FourConcurrentPointsCommitsOnOneCard_ThreeOnlineFourthRefusedAtTheTill()
    {
        var card = TestCards.InvHp(1701);
        await _central.RegisterAsync(card, "INV-HP");
        await _central.GrantAsync(card, 2_000, "gift");
        var checks = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            checks.Add(await OpenWithCardAsync(card));
        }

        var commits = checks.Select(id => TryCommitAsync(id, points: 100)).ToList();
        var answers = await Task.WhenAll(commits).WithTimeout(TimeSpan.FromSeconds(60));

        var accepted = answers.Where(a => a.Response is not null).Select(a => a.Response!).ToList();
        Assert.Equal(3, accepted.Count);
        Assert.All(accepted, r => Assert.Equal(RedemptionAuthorization.Online, r.Redemption));
        var refused = Assert.Single(answers, a => a.Error is not null).Error!;
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("INV-HP-R3", refused.Status.Detail, StringComparison.Ordinal);
        await AssertLedgerAppliedAllAsync(accepted, pointsEach: 100);
    }

    [Fact]
    public async Task CommitAsync_Two400PointSpendsConcurrentlyOn500Usable_OneRefusedAtTheTill()
    {
        var card = TestCards.InvHp(1702);
        await _central.RegisterAsync(card, "INV-HP"); // 300 welcome points (INV-HP-R5)
        await _central.GrantAsync(card, 200, "gift");
        Assert.Equal(500, (await _central.SnapshotAsync(card)).Balance.Usable);
        var first = await OpenWithCardAsync(card);
        var second = await OpenWithCardAsync(card);

        var answers = await Task.WhenAll(TryCommitAsync(first, points: 400), TryCommitAsync(second, points: 400)).WithTimeout(TimeSpan.FromSeconds(60));

        var accepted = Assert.Single(answers, a => a.Response is not null).Response!;
        Assert.Equal(RedemptionAuthorization.Online, accepted.Redemption);
        var refused = Assert.Single(answers, a => a.Error is not null).Error!;
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("100", refused.Status.Detail, StringComparison.Ordinal);
        await AssertLedgerAppliedAllAsync([accepted], pointsEach: 400);
    }

    [Fact]
    public async Task InvHp_R3_OfflinePointsCommitsOnOneCard_UnsyncedOrdersCountFourthRefusedAtTheTill()
    {
        var card = TestCards.InvHp(1703);
        await _central.RegisterAsync(card, "INV-HP");
        await _central.GrantAsync(card, 2_000, "gift");
        var checks = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            checks.Add(await OpenWithCardAsync(card));
        }

        await _central.StopAsync();
        var answers = new List<(CommitResponse? Response, RpcException? Error)>();
        foreach (var id in checks)
        {
            answers.Add(await TryCommitAsync(id, points: 100).WithTimeout(TimeSpan.FromSeconds(60)));
        }

        var accepted = answers.Take(3).Select(a => a.Response).ToList();
        Assert.All(accepted, r => Assert.Equal(RedemptionAuthorization.OfflineAllowance, Assert.IsType<CommitResponse>(r).Redemption));
        var refused = answers[3].Error;
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("INV-HP-R3", refused.Status.Detail, StringComparison.Ordinal);

        // Back online, the three the till accepted are applied; none is parked.
        await _central.StartAsync();
        await AssertLedgerAppliedAllAsync([.. accepted.Select(r => r!)], pointsEach: 100);
    }

    private async Task<string> OpenWithCardAsync(string card)
    {
        var client = _agent.Client;
        var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Blood test", Category = "lab", UnitPriceMinor = LabMinor, Quantity = 1 }).WithTimeout();
        await client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
        return check.CheckId;
    }

    private async Task<(CommitResponse? Response, RpcException? Error)> TryCommitAsync(string checkId, long points)
    {
        try
        {
            var payment = new PaymentSplit { Points = points, CashMinor = LabMinor - (points * 100) };
            return (await _agent.Client.CommitAsync(new CommitRequest { CheckId = checkId, Payment = payment }).WithTimeout(TimeSpan.FromSeconds(30)), null);
        }
        catch (RpcException ex)
        {
            return (null, ex);
        }
    }

    private async Task AssertLedgerAppliedAllAsync(IReadOnlyList<CommitResponse> accepted, long pointsEach)
    {
        var status = await Waits.UntilSyncedAsync(_agent.Client, TimeSpan.FromSeconds(30));
        Assert.Equal(0, status.Outbox.Parked);
        var entries = await _central.EntriesAsync([.. accepted.Select(r => r.OperationId)]);
        Assert.Equal(accepted.Count, entries.Count);
        foreach (var entry in entries.Values)
        {
            var result = Contracts.Loyalty.V1.TransactionResult.Parser.ParseFrom(entry.Result);
            Assert.Equal(Contracts.Loyalty.V1.TransactionOutcome.Applied, result.Outcome);
            Assert.Equal(pointsEach, result.PointsSpent);
        }
    }
}
