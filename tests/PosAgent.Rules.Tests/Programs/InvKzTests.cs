using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class InvKzTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-kz");

    [Fact]
    public void Quote_SilverMember12000KztOnTuesday_EarnsStatus5PlusBand7AndCaps90Percent()
    {
        // INV-KZ-R1 + INV-KZ-R4 + INV-KZ-R7: 12,000 KZT: 5% = 600, band 10,000-14,999 +7% = 840; cap 90% = 10,800.
        var state = WithPoints(Enroll(_engine, Tuesday.AddDays(-30)).State, 20_000, Tuesday.AddDays(-30));

        var quote = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 1_200_000)));

        Assert.Equal(1_440, quote.PointsToEarn);
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-KZ-R1" && i.Points == 600 && i.RateBasisPoints == 500);
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-KZ-R4" && i.Points == 840 && i.RateBasisPoints == 700);
        Assert.Equal(10_800, quote.MaxPointsToSpend);
        Assert.Equal(BurnLimitKind.BillShare, quote.BindingLimit);
        Assert.Equal("INV-KZ-R7", quote.BindingRuleId);
    }

    [Fact]
    public void ApplySale_SilverMember12000KztOrder_AssignsPlatinum()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30)).State;

        var result = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("lab", 1_200_000)));

        Assert.Equal("Silver", result.TierBefore);
        Assert.Equal("Platinum", result.TierAfter);
        Assert.Equal(1_440, result.PointsEarned);
        Assert.Equal(500 + 1_440, result.Summary.Balance);
    }
}
