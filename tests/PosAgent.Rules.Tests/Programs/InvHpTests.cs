using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class InvHpTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-hp");

    private AccountState Member(long points = 0)
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30)).State;
        return points > 0 ? WithPoints(state, points, Tuesday.AddDays(-30)) : state;
    }

    [Fact]
    public void InvHp_R1_ApplySale_DiscountCardWithPoints_Refused()
    {
        var sale = Sale("t1", Tuesday, 100, Line("lab", 200_000)) with { DiscountCardPresented = true };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(Member(5_000), sale));

        Assert.Equal(LoyaltyErrorCode.DiscountCardWithPoints, ex.Code);
        Assert.Equal("INV-HP-R1", ex.RuleId);
    }

    [Fact]
    public void InvHp_R1_SwitchMode_NeedsWrittenRequest_ThenEarnsNoPoints()
    {
        var state = Member();

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.SwitchMode(state, AccountMode.DiscountCard, Tuesday, writtenRequest: false));
        var switched = _engine.SwitchMode(state, AccountMode.DiscountCard, Tuesday, writtenRequest: true).State;
        var sale = _engine.ApplySale(switched, Sale("t1", Tuesday.AddHours(1), 0, Line("lab", 200_000)));

        Assert.Equal(LoyaltyErrorCode.WrittenRequestRequired, ex.Code);
        Assert.Equal(0, sale.PointsEarned);
        Assert.Equal(BurnLimitKind.AccountNotBonus, sale.BindingLimit);
    }

    [Fact]
    public void InvHp_R2_DiscountCard_Order4500Gives5Percent_GoodsUndiscounted_15000Gives10()
    {
        var state = _engine.SwitchMode(Member(), AccountMode.DiscountCard, Tuesday, writtenRequest: true).State;

        var first = _engine.ApplySale(state, Sale("t1", Tuesday.AddHours(1), 0, Line("lab", 450_000)));
        var second = _engine.ApplySale(first.State, Sale("t2", Tuesday.AddHours(2), 0, Line("lab", 100_000), Line("goods", 50_000)));
        var third = _engine.ApplySale(second.State, Sale("t3", Tuesday.AddHours(3), 0, Line("lab", 950_000)));

        Assert.Equal(0, first.DiscountMinor);
        Assert.Equal("Card5", first.State.DiscountLevel);
        Assert.Equal(5_000, second.DiscountMinor); // 5% of 1,000 RUB; the 500 RUB of goods get none
        Assert.Equal(47_500, third.DiscountMinor); // 5% of 9,500 RUB with the card held before this order
        Assert.Equal("Card10", third.State.DiscountLevel); // 4,500 + 1,500 + 9,500 >= 15,000
    }

    [Fact]
    public void InvHp_R3_Quote_HalfOfBill_AtMost30000PerOrder()
    {
        var state = Member(100_000);

        var small = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 200_000)));
        var large = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 10_000_000)));

        Assert.Equal((1_000L, BurnLimitKind.BillShare), (small.MaxPointsToSpend, small.BindingLimit));
        Assert.Equal((30_000L, BurnLimitKind.MaxPointsPerOrder), (large.MaxPointsToSpend, large.BindingLimit));
        Assert.Equal("INV-HP-R3", large.BindingRuleId);
    }

    [Fact]
    public void InvHp_R3_ApplySale_FourthRedeemingOrderOfTheDay_Refused_NextDayAllowed()
    {
        var state = Member(10_000);
        for (var i = 0; i < 3; i++)
        {
            state = _engine.ApplySale(state, Sale($"t{i}", Tuesday.AddMinutes(i), 100, Line("lab", 100_000))).State;
        }

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t4", Tuesday.AddHours(1), 100, Line("lab", 100_000))));
        var withoutPoints = _engine.ApplySale(state, Sale("t4", Tuesday.AddHours(1), 0, Line("lab", 100_000)));
        var nextDay = _engine.ApplySale(withoutPoints.State, Sale("t5", Tuesday.AddDays(1), 100, Line("lab", 100_000)));

        Assert.Equal(LoyaltyErrorCode.DailyRedemptionLimit, ex.Code);
        Assert.Equal(100, nextDay.PointsSpent);
    }

    [Fact]
    public void InvHp_R4_ApplySale_PointsCreditedAtOnce_UsableAfter24Hours()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("lab", 100_000))).State; // 3% = 30

        var early = _engine.Summarize(state, Tuesday.AddHours(23));
        var later = _engine.Summarize(state, Tuesday.AddHours(24));

        Assert.Equal((330L, 300L, 30L), (early.Balance, early.Usable, early.Pending));
        Assert.Equal((330L, 330L, 0L), (later.Balance, later.Usable, later.Pending));
    }

    [Fact]
    public void InvHp_R5_Lots_PurchaseTwoYears_WelcomeOneYear_GiftThirtyDays()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("lab", 100_000))).State;
        state = _engine.Grant(state, new GrantRequest { TransactionId = "g1", EventId = "gift", At = Tuesday, Points = 70 }).State;

        Assert.Equal(Tuesday.AddDays(-30).AddYears(1), state.Lots.Single(l => l.Kind == LotKind.Welcome).ExpiresAt);
        Assert.Equal(Tuesday.AddYears(2), state.Lots.Single(l => l.Kind == LotKind.Purchase).ExpiresAt);
        Assert.Equal(Tuesday.AddDays(30), state.Lots.Single(l => l.Kind == LotKind.Gift).ExpiresAt);
        var expired = _engine.ExpireLots(state, Tuesday.AddDays(30));
        Assert.Equal(70, expired.PointsRemoved);
    }

    [Fact]
    public void InvHp_R6_Tiers_AutomaticByTotalPaid_VipByHandEarns30Percent()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("lab", 450_000))).State;
        Assert.Equal("Status2", state.TierId);

        var vip = _engine.AssignTier(state, "VIP", Tuesday.AddHours(1)).State;
        var sale = _engine.ApplySale(vip, Sale("t2", Tuesday.AddHours(2), 0, Line("lab", 10_000_000)));

        Assert.Equal(30_000, sale.PointsEarned); // 30% of 100,000 RUB
        Assert.Equal("VIP", sale.TierAfter); // manual tiers are not recomputed
    }

    [Fact]
    public void InvHp_R7_Quote_HomeVisitEarns_OtherServicesDoNot()
    {
        var quote = _engine.Quote(Member(), Sale("t1", Tuesday, 0, Line("homeVisit", 100_000), Line("services", 100_000)));

        Assert.Equal(30, quote.PointsToEarn);
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-HP-R7" && i.BaseMinor == 100_000 && i.Points == 0);
    }
}
