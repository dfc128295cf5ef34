using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class InvByTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-by");

    [Fact]
    public void InvBy_R1_Enroll_WithoutPaidOrder_Refused_WithFirstOrder_Enrolled()
    {
        var ex = Assert.Throws<LoyaltyRuleException>(() => Enroll(_engine, Tuesday, qualifying: 0));
        var state = Enroll(_engine, Tuesday, qualifying: 10_000).State;

        var first = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("lab", 10_000)));

        Assert.Equal(LoyaltyErrorCode.NotEligibleForMembership, ex.Code);
        Assert.Equal("INV-BY-R1", ex.RuleId);
        Assert.Equal(3 + 5, first.Summary.Balance); // 3% cashback + welcome
    }

    [Fact]
    public void InvBy_R2_Quote_Services_Cashback3Percent()
    {
        var quote = _engine.Quote(Enroll(_engine, Tuesday).State, Sale("t1", Tuesday, 0, Line("lab", 10_000), Line("services", 20_000)));

        Assert.Equal(9 + 5, quote.PointsToEarn); // 3% of 300 BYN, and the first order's welcome (INV-BY-R5)
    }

    [Fact]
    public void InvBy_R3_ApplySale_OnePaymentRedeemsAndEarns()
    {
        var state = WithPoints(Enroll(_engine, Tuesday).State, 100, Tuesday);

        var result = _engine.ApplySale(state, Sale("t1", Tuesday, 30, Line("lab", 10_000)));

        Assert.Equal(30, result.PointsSpent);
        Assert.Equal(2 + 5, result.PointsEarned); // 3% of the 70 BYN paid = 2.1 -> 2, and the first order's welcome (INV-BY-R5)
        Assert.Contains(result.LotChanges, c => c.Kind == LotKind.Welcome && c.Amount == 5);
    }

    [Fact]
    public void InvBy_R4_Quote_LabUpTo30Percent_GoodsAndPromotionsNever()
    {
        var state = WithPoints(Enroll(_engine, Tuesday).State, 1_000, Tuesday);

        var lab = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 10_000), Line("goods", 10_000)));
        var promo = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 10_000, promotional: true)));

        Assert.Equal((30L, BurnLimitKind.CategoryShare, "INV-BY-R4"), (lab.MaxPointsToSpend, lab.BindingLimit, lab.BindingRuleId));
        Assert.Equal((0L, BurnLimitKind.NotRedeemable, "INV-BY-R4"), (promo.MaxPointsToSpend, promo.BindingLimit, promo.BindingRuleId));
    }

    [Fact]
    public void InvBy_R5_Events_WelcomeBirthdayAndPromotion()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-40), birthDate: new DateOnly(2000, 3, 3)).State;
        state = _engine.ApplySale(state, Sale("t1", Tuesday.AddDays(-40), 0, Line("lab", 10_000))).State;

        state = _engine.RunDailyJobs(state, Tuesday).State;
        state = _engine.Grant(state, new GrantRequest { TransactionId = "p1", EventId = "promotion", At = Tuesday, Points = 50 }).State;

        Assert.Equal(5, state.Lots.Single(l => l.Kind == LotKind.Welcome).Amount);
        Assert.Equal(10, state.Lots.Single(l => l.Kind == LotKind.Birthday).Amount);
        Assert.Equal(50, state.Lots.Single(l => l.Kind == LotKind.Promotion).Amount);
    }
}
