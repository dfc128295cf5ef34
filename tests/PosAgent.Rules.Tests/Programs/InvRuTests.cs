using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class InvRuTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-ru");

    [Fact]
    public void InvRu_R1_Quote_PaidLabVisitOnTuesday_EarnsStatusRateOnLabOnly()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-10)).State;

        var quote = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 1_000_000), Line("biomaterial", 100_000)));

        Assert.Equal(500 + 200, quote.PointsToEarn); // 5% of 10,000 RUB, and the first lab order's welcome (INV-RU-R2)
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-RU-R1" && i.Points == 0 && i.BaseMinor == 100_000);
    }

    [Fact]
    public void InvRu_R2_ApplySale_FirstLabOrder_Welcome200ValidOneYear()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-10)).State;
        Assert.Empty(state.Lots);

        var result = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("lab", 100_000)));
        var second = _engine.ApplySale(result.State, Sale("t2", Tuesday.AddDays(1), 0, Line("lab", 100_000)));

        var welcome = Assert.Single(result.State.Lots, l => l.Kind == LotKind.Welcome);
        Assert.Equal(200, welcome.Amount);
        Assert.Equal(Tuesday.AddYears(1), welcome.ExpiresAt);
        Assert.Single(second.State.Lots, l => l.Kind == LotKind.Welcome);
    }

    [Fact]
    public void InvRu_R2_FirstLabOrder_QuoteAndResultListTheWelcomeAndAddUpToTheBalance()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-10)).State;
        var sale = Sale("t1", Tuesday, 0, Line("lab", 100_000));

        var quote = _engine.Quote(state, sale);
        var result = _engine.ApplySale(state, sale);

        Assert.Equal(50 + 200, quote.PointsToEarn); // 5% of 1,000 RUB and the welcome
        Assert.Equal(quote.PointsToEarn, result.PointsEarned);
        Assert.Equal(result.Summary.Balance, result.PointsEarned);
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-RU-R2" && i.Points == 200 && i.LotKind == LotKind.Welcome);
        Assert.Contains(result.Explanation, i => i.RuleId == "INV-RU-R2" && i.Points == 200);
        Assert.Contains(quote.Lots, l => l.Kind == LotKind.Welcome && l.Amount == 200);
        var second = _engine.Quote(result.State, Sale("t2", Tuesday.AddDays(1), 0, Line("lab", 100_000)));
        Assert.Equal(50, second.PointsToEarn);
        Assert.DoesNotContain(second.Earn, i => i.RuleId == "INV-RU-R2");
    }

    [Fact]
    public void InvRu_R2_ApplySale_FirstOrderWithoutLab_NoWelcome()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-10)).State;

        var result = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("biomaterial", 100_000)));

        Assert.DoesNotContain(result.State.Lots, l => l.Kind == LotKind.Welcome);
    }

    [Fact]
    public void InvRu_R3_Quote_LabOnSaturday_Adds15Percent()
    {
        var state = Enroll(_engine, Saturday.AddDays(-10)).State;

        var quote = _engine.Quote(state, Sale("t1", Saturday, 0, Line("lab", 1_000_000)));

        Assert.Equal(500 + 1_500 + 200, quote.PointsToEarn); // with the first lab order's welcome (INV-RU-R2)
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-RU-R3" && i.Points == 1_500 && i.RateBasisPoints == 1_500);
    }

    [Fact]
    public void InvRu_R4_GrantBirthday_500ValidOneYear_OncePerYear()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-100), birthDate: new DateOnly(1985, 3, 3)).State;

        var result = _engine.GrantBirthday(state, Tuesday);
        var again = _engine.GrantBirthday(result.State, Tuesday.AddDays(2));
        var nextYear = _engine.GrantBirthday(again.State, Tuesday.AddYears(1));

        var lot = Assert.Single(result.State.Lots);
        Assert.Equal((LotKind.Birthday, 500L), (lot.Kind, lot.Amount));
        Assert.Equal(lot.CreditedAt.AddYears(1), lot.ExpiresAt);
        Assert.Single(again.State.Lots);
        Assert.Equal(2, nextYear.State.Lots.Count);
    }

    [Fact]
    public void InvRu_R5_ApplySale_PointsPayWholeLabBill_OnePointOneRuble()
    {
        var state = WithPoints(Enroll(_engine, Tuesday.AddDays(-10)).State, 5_000, Tuesday.AddDays(-10));

        var quote = _engine.Quote(state, Sale("t1", Tuesday, 3_000, Line("lab", 300_000)));
        var result = _engine.ApplySale(state, Sale("t1", Tuesday, 3_000, Line("lab", 300_000)));

        Assert.Equal(3_000, quote.MaxPointsToSpend);
        Assert.Equal(0, quote.MoneyMinor);
        Assert.Equal(2_000 + 200, result.Summary.Balance); // 5,000 - 3,000, plus the first-order welcome
    }
}
