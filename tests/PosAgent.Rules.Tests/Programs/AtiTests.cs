using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class AtiTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("ati");

    private AccountState Member(long points = 0)
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30), qualifying: 50_000_000).State;
        return points > 0 ? WithPoints(state, points, Tuesday.AddDays(-30)) : state;
    }

    [Fact]
    public void Ati_R1_Enroll_AfterSetAmountOfServices_CardWithMemberNumber()
    {
        var ex = Assert.Throws<LoyaltyRuleException>(() => Enroll(_engine, Tuesday, qualifying: 49_999_999));
        var state = Member();

        Assert.Equal((LoyaltyErrorCode.NotEligibleForMembership, "ATI-R1"), (ex.Code, ex.RuleId));
        Assert.Matches("^9[0-9]{7}$", state.CardNumber);
        Assert.Equal(("White", 0L), (_engine.Summarize(state, Tuesday).TierId, _engine.Summarize(state, Tuesday).Balance));
        Assert.Equal(3, _engine.Quote(state, Sale("t1", Tuesday, 0, Line("dental", 3_500_000))).PointsToEarn); // 1 point per 1,000,000 IRR
    }

    [Fact]
    public void Ati_R2_Tier_ByPoints_WhiteToSilverAt500()
    {
        var result = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("dental", 500_000_000)));

        Assert.Equal(("White", "Silver"), (result.TierBefore, result.TierAfter));
        Assert.Equal("Gold", _engine.ApplySale(result.State, Sale("t2", Tuesday.AddDays(1), 0, Line("dental", 1_000_000_000))).TierAfter);
    }

    [Fact]
    public void Ati_R3_Grant_Referral_AddsPoints()
    {
        var result = _engine.Grant(Member(), new GrantRequest { TransactionId = "ref-1", EventId = "referral", At = Tuesday });

        Assert.Equal(50, result.Summary.Balance);
        Assert.Equal(LotKind.Referral, Assert.Single(result.State.Lots).Kind);
    }

    [Fact]
    public void Ati_R4_RedeemReward_AtThreshold_BillsNotPayable()
    {
        var state = Member(300);

        var reward = _engine.RedeemReward(state, new RewardRequest { TransactionId = "w1", ItemId = "whitening-kit", At = Tuesday });
        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t1", Tuesday, 10, Line("dental", 10_000_000))));

        Assert.Equal(0, reward.Summary.Balance);
        Assert.Equal((LoyaltyErrorCode.CategoryNotRedeemable, "ATI-R4"), (ex.Code, ex.RuleId));
    }

    [Theory]
    [InlineData(6, 0)]
    [InlineData(7, 25)]
    [InlineData(12, 150)]
    [InlineData(13, 190)]
    [InlineData(18, 390)]
    [InlineData(19, 480)]
    [InlineData(24, 930)]
    [InlineData(25, 1_000)] // 1,130 due but never below zero
    public void Ati_R5_Decay_MonthsWithoutVisit_ChargedPerSchedule(int months, long charged)
    {
        var state = _engine.ApplySale(Member(1_000), Sale("visit", Tuesday, 0, Line("dental", 1))).State;

        var result = _engine.ApplyInactivityDecay(state, Tuesday.AddMonths(months));

        Assert.Equal(charged, result.PointsRemoved);
        Assert.Equal(1_000 - charged, result.Summary.Balance);
    }

    [Fact]
    public void Ati_R5_Decay_VisitRestartsTheClock_AndMonthsAreChargedOnce()
    {
        var state = _engine.ApplySale(Member(1_000), Sale("visit", Tuesday, 0, Line("dental", 1))).State;
        state = _engine.ApplyInactivityDecay(state, Tuesday.AddMonths(8)).State; // months 7, 8: 50
        var again = _engine.ApplyInactivityDecay(state, Tuesday.AddMonths(8).AddDays(1));
        state = _engine.ApplySale(again.State, Sale("visit2", Tuesday.AddMonths(8).AddDays(2), 0, Line("dental", 1))).State;

        var afterVisit = _engine.ApplyInactivityDecay(state, Tuesday.AddMonths(14));

        Assert.Equal(0, again.PointsRemoved);
        Assert.Equal(0, afterVisit.PointsRemoved);
        Assert.Equal(950, afterVisit.Summary.Balance);
    }

    [Fact]
    public void Ati_R2_Refund_PointsTakenBack_NoLongerCountForTheTier()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("dental", 300_000_000), Line("dental", 300_000_000))).State;
        Assert.Equal("Silver", state.TierId); // 600 points

        var refunded = _engine.Refund(state, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday.AddDays(1), Lines = [new RefundLine(1, 300_000_000)] });
        var next = _engine.ApplySale(refunded.State, Sale("t2", Tuesday.AddDays(2), 0, Line("dental", 1_000_000_000)));

        Assert.Equal(300, refunded.State.Lots.Single(l => l.SourceTransactionId == "t1").TakenBack);
        Assert.Equal("Silver", next.TierAfter); // 300 + 1,000 status points: below Gold's 1,500
    }
}
