using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests;

/// <summary>
/// The till's view of an account (the card snapshot's state, #17): bounded whatever the history,
/// yet a till estimating from it gets the balance, usable and pending points, the spend limits
/// and the points to earn exactly as from the ledger's whole state.
/// </summary>
public sealed class TillStateTests
{
    /// <summary>At most 3 x 32 merged lots, 33 orders without lines, 32 grants and 32 rewards: well under this whatever the history.</summary>
    private const int TillBound = 64 * 1024;

    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-hp");

    /// <summary>2,000 sales over ~42 days, every 30 minutes; the first three of each day spend points (INV-HP-R3's daily limit).</summary>
    private AccountState LongHistory(out DateTimeOffset last)
    {
        var start = Tuesday.AddDays(-45);
        var state = WithPoints(Enroll(_engine, start).State, 50_000, start);
        var spentToday = 0;
        var day = DateOnly.MinValue;
        last = start;
        for (var i = 0; i < 2_000; i++)
        {
            last = start.AddMinutes(30 * (i + 1));
            var today = DateOnly.FromDateTime(last.ToOffset(TimeSpan.FromHours(3)).DateTime);
            spentToday = today == day ? spentToday : 0;
            day = today;
            var spend = spentToday < 3 ? 50 : 0;
            spentToday += spend > 0 ? 1 : 0;
            state = _engine.ApplySale(state, Sale($"t{i:D4}", last, spend, Line("lab", 100_000 + (i % 5 * 1_000)))).State;
        }

        return state;
    }

    [Fact]
    public void TillState_After2000Sales_BoundedWhileTheFullStateIsNot()
    {
        var full = LongHistory(out var last);

        var till = _engine.TillState(full, last);

        Assert.True(AccountStateJson.Serialize(full).Length > 20 * TillBound, "the ledger's state grows with every order");
        Assert.InRange(AccountStateJson.Serialize(till).Length, 1, TillBound);
        Assert.Empty(till.TransactionIds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(24 * 400)]
    public void TillState_AtLaterHoursBeforeAnyExpiry_SameFiguresAsTheFullState(int hoursLater)
    {
        var full = LongHistory(out var last);
        var at = last.AddHours(hoursLater);

        var fromFull = _engine.Summarize(full, at);
        var fromTill = _engine.Summarize(_engine.TillState(full, last), at);

        Assert.Equal((fromFull.Balance, fromFull.Usable, fromFull.Pending, fromFull.TierId), (fromTill.Balance, fromTill.Usable, fromTill.Pending, fromTill.TierId));
    }

    [Fact]
    public void TillState_AfterSomeLotsExpire_NeverMorePointsThanTheFullState()
    {
        var full = LongHistory(out var last);

        for (var days = 700; days <= 800; days += 5)
        {
            var at = last.AddDays(days);
            var fromFull = _engine.Summarize(full, at);
            var fromTill = _engine.Summarize(_engine.TillState(full, last), at);
            Assert.InRange(fromTill.Balance, 0, fromFull.Balance);
            Assert.InRange(fromTill.Usable, 0, fromFull.Usable);
        }
    }

    [Theory]
    [InlineData(5, 0)]
    [InlineData(5, 400)]
    [InlineData(60 * 24, 400)]
    public void TillState_QuoteOfTheNextSale_SameAsFromTheFullState(int minutesLater, long spend)
    {
        var full = LongHistory(out var last);
        var till = _engine.TillState(full, last);
        var sale = Sale("next", last.AddMinutes(minutesLater), spend, Line("lab", 250_000));

        var fromFull = _engine.Quote(full, sale);
        var fromTill = _engine.Quote(till, sale);

        Assert.Equal(
            (fromFull.MaxPointsToSpend, fromFull.BindingLimit, fromFull.PointsToSpend, fromFull.PointsToEarn, fromFull.UsableBefore, fromFull.TierId),
            (fromTill.MaxPointsToSpend, fromTill.BindingLimit, fromTill.PointsToSpend, fromTill.PointsToEarn, fromTill.UsableBefore, fromTill.TierId));
    }

    [Fact]
    public void TillState_ThreeRedeemingOrdersToday_FourthRefusedFromTheTillStateAsFromTheLedger()
    {
        var state = WithPoints(Enroll(_engine, Tuesday.AddDays(-30)).State, 10_000, Tuesday.AddDays(-30));
        for (var i = 0; i < 3; i++)
        {
            state = _engine.ApplySale(state, Sale($"t{i}", Tuesday.AddMinutes(i), 100, Line("lab", 100_000))).State;
        }

        var till = _engine.TillState(state, Tuesday.AddMinutes(5));
        var fourth = Sale("t4", Tuesday.AddHours(1), 100, Line("lab", 100_000));

        var fromLedger = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, fourth));
        var fromTill = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(till, fourth));
        Assert.Equal(LoyaltyErrorCode.DailyRedemptionLimit, fromLedger.Code);
        Assert.Equal(fromLedger.Code, fromTill.Code);
        Assert.Equal(3, _engine.Counters(state, Tuesday.AddHours(1)).RedeemingOrdersToday);
        Assert.Equal(3, _engine.Counters(till, Tuesday.AddHours(1)).RedeemingOrdersToday);
        Assert.Equal(3, _engine.Counters(state, Tuesday.AddHours(1)).MaxRedeemingOrdersPerDay);
    }
}
