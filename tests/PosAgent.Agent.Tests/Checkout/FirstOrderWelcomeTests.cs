using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>
/// Programs whose welcome comes with the first paid order (INV-RU-R2, INV-BY-R5): the till's
/// figures for that first sale (commit answer and receipt) are the central ledger's, through the
/// real agent and the real central service.
/// </summary>
[Collection("survival")]
public sealed class FirstOrderWelcomeTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private CentralFixture _central = null!;
    private TestAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        var token = await _central.TokenAsync("lane-welcome");
        _agent = await TestAgent.StartAsync(_dir, o =>
        {
            o.TerminalId = "lane-welcome";
            o.CentralAddress = _central.Address;
            o.CentralToken = token;
            // The receipt lines are read by their English labels (RUB and BYN programs print Russian by default).
            o.Devices.ReceiptLanguage = "en";
        });
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task InvRu_R2_FirstLabOrder_ReceiptBalanceIsTheLedgersWelcomeIncluded()
    {
        var card = TestCards.InvRu(2601);
        var registered = await _central.RegisterAsync(card, "INV-RU");

        await AssertFirstOrderMatchesLedger(card, registered, "INV-RU-R2", welcome: 200, cashMinor: 100_000);
    }

    [Fact]
    public async Task InvBy_R5_FirstOrder_ReceiptBalanceIsTheLedgersWelcomeIncluded()
    {
        var card = TestCards.InvBy(2602);
        // INV-BY-R1: the account opens with the first paid order.
        var registered = await _central.RegisterAsync(card, "INV-BY", qualifyingPaymentMinor: 65_700);

        await AssertFirstOrderMatchesLedger(card, registered, "INV-BY-R5", welcome: 5, cashMinor: 65_700);
    }

    [Fact]
    public async Task Csm_R3_RegisterMember_WelcomeOnJoiningReportedWithItsPoints()
    {
        var registered = await _central.RegisterAsync(TestCards.Csm(2603), "CSM");

        Assert.Equal(100, registered.Welcome.PointsEarned);
        Assert.Empty(registered.WelcomeOnFirstOrder);
    }

    private async Task AssertFirstOrderMatchesLedger(string card, Contracts.Loyalty.V1.RegisterMemberResponse registered, string welcomeRule, long welcome, long cashMinor)
    {
        // Nothing was credited at registration, and the registrar is told the welcome is to come.
        Assert.Null(registered.Welcome);
        var promised = Assert.Single(registered.WelcomeOnFirstOrder);
        Assert.Equal(welcomeRule, promised.RuleId);
        Assert.Equal(welcome, promised.Points);
        Assert.Equal(0, (await _central.SnapshotAsync(card)).Balance.Balance);
        var client = _agent.Client;
        var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Blood test", Category = "lab", UnitPriceMinor = cashMinor, Quantity = 1 }).WithTimeout();
        await client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();

        var committed = await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = cashMinor }, PrintReceipt = true }).WithTimeout();
        await Waits.UntilSyncedAsync(client, TimeSpan.FromSeconds(30));

        var ledger = await _central.SnapshotAsync(card);
        var entry = (await _central.EntriesAsync([committed.OperationId]))[committed.OperationId];
        var result = Contracts.Loyalty.V1.TransactionResult.Parser.ParseFrom(entry.Result);
        Assert.Equal(Contracts.Loyalty.V1.TransactionOutcome.Applied, result.Outcome);
        Assert.Contains(result.Explanation, e => e.RuleId == welcomeRule && e.Points == welcome);
        Assert.Contains(committed.Explanation, e => e.RuleId == welcomeRule && e.Points == welcome);
        Assert.True(committed.PointsEarned > welcome, "the sale's own points come on top of the welcome");
        Assert.Equal(result.PointsEarned, committed.PointsEarned);
        Assert.Equal(ledger.Balance.Balance, committed.BalanceAfter);
        Assert.Equal(committed.PointsEarned, ledger.Balance.Balance);
        var receipt = await File.ReadAllTextAsync(Path.Combine(_agent.Host.Options.DataDirectory, "receipts", committed.PrintJobId + ".txt"));
        Assert.Matches($@"Points earned\s+{committed.PointsEarned}\b", receipt);
        Assert.Matches($@"Points left\s+{ledger.Balance.Balance}\b", receipt);
    }
}
