using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

/// <summary>
/// LoyaltyEngine.WithPromised: points promised by holds or unsynced sales count against the
/// usable balance and as redeeming orders of their day (issue #17), the way applied sales would.
/// </summary>
public sealed class PromisedSpendTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-hp");

    private AccountState Member(long points) => WithPoints(Enroll(_engine, Tuesday.AddDays(-30)).State, points, Tuesday.AddDays(-30));

    [Fact]
    public void InvHp_R3_WithPromised_ThreeOrdersToday_QuoteBindsOnDailyOrders()
    {
        var state = Member(10_000);
        var promised = Enumerable.Range(0, 3).Select(i => new PromisedSpend($"h{i}", Tuesday.AddMinutes(i), 100)).ToList();

        var quote = _engine.Quote(_engine.WithPromised(state, promised), Sale("t1", Tuesday.AddHours(1), 0, Line("lab", 100_000)));

        Assert.Equal((0L, BurnLimitKind.DailyOrders), (quote.MaxPointsToSpend, quote.BindingLimit));
        Assert.Equal("INV-HP-R3", quote.BindingRuleId);
    }

    [Fact]
    public void InvHp_R3_WithPromised_OrdersOfYesterday_TodayStillAllowed()
    {
        var state = Member(10_000);
        var promised = Enumerable.Range(0, 3).Select(i => new PromisedSpend($"h{i}", Tuesday.AddDays(-1).AddMinutes(i), 100)).ToList();

        var quote = _engine.Quote(_engine.WithPromised(state, promised), Sale("t1", Tuesday, 0, Line("lab", 100_000)));

        Assert.Equal(500, quote.MaxPointsToSpend);
    }

    [Fact]
    public void WithPromised_400Of500Usable_100LeftAndTheStoredStateUntouched()
    {
        var state = Member(500 - Enroll(_engine, Tuesday.AddDays(-30)).State.Lots.Sum(l => l.Remaining));
        var before = _engine.Summarize(state, Tuesday).Usable;

        var held = _engine.WithPromised(state, [new PromisedSpend("h1", Tuesday, 400)]);
        var quote = _engine.Quote(held, Sale("t1", Tuesday, 0, Line("lab", 100_000)));

        Assert.Equal(500, before);
        Assert.Equal((100L, BurnLimitKind.UsableBalance), (quote.MaxPointsToSpend, quote.BindingLimit));
        Assert.Equal(500, _engine.Summarize(state, Tuesday).Usable);
    }
}
