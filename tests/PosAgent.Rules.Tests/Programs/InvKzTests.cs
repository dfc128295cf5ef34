using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class InvKzTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-kz");

    private AccountState Member(long points = 0)
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30)).State;
        return points > 0 ? WithPoints(state, points, Tuesday.AddDays(-30)) : state;
    }

    [Fact]
    public void InvKz_R1R4R7_Quote_Silver12000KztOnTuesday_Status5PlusBand7AndCap90()
    {
        // 12,000 KZT: status 5% = 600, band 10,000-14,999 +7% = 840; cap 90% = 10,800.
        var quote = _engine.Quote(Member(20_000), Sale("t1", Tuesday, 0, Line("lab", 1_200_000)));

        Assert.Equal(1_440, quote.PointsToEarn);
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-KZ-R1" && i.Points == 600 && i.RateBasisPoints == 500 && i.BaseMinor == 1_200_000);
        Assert.Contains(quote.Earn, i => i.RuleId == "INV-KZ-R4" && i.Points == 840 && i.RateBasisPoints == 700);
        Assert.Equal(10_800, quote.MaxPointsToSpend);
        Assert.Equal(BurnLimitKind.BillShare, quote.BindingLimit);
        Assert.Equal("INV-KZ-R7", quote.BindingRuleId);
        Assert.Equal("2026.1", quote.ProgramVersion);
    }

    [Fact]
    public void InvKz_R1_ApplySale_GoldMember_Earns7Percent()
    {
        // Gold after 15,000.01 KZT of orders; then a 2,000 KZT order (no band) earns 7% = 140.
        var state = Member();
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("lab", 900_000))).State;
        state = _engine.ApplySale(state, Sale("t2", Tuesday.AddHours(1), 0, Line("lab", 600_001))).State;
        Assert.Equal("Gold", state.TierId);

        var result = _engine.ApplySale(state, Sale("t3", Tuesday.AddHours(2), 0, Line("lab", 200_000)));

        Assert.Equal(140, result.PointsEarned);
    }

    [Fact]
    public void InvKz_R2_ApplySale_OrdersSumExactly15000_StaysSilverUntilExceeded()
    {
        var state = Member();
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("lab", 800_000))).State;
        state = _engine.ApplySale(state, Sale("t2", Tuesday.AddHours(1), 0, Line("biomaterial", 700_000))).State;
        Assert.Equal("Silver", state.TierId);

        var result = _engine.ApplySale(state, Sale("t3", Tuesday.AddHours(2), 0, Line("lab", 1)));

        Assert.Equal("Gold", result.TierAfter);
        Assert.Contains("INV-KZ-R2", result.Rules);
    }

    [Fact]
    public void InvKz_R3_ApplySale_SingleOrderOf10000_AssignsPlatinumAfterTheOrder()
    {
        var result = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("lab", 1_000_000)));

        Assert.Equal("Silver", result.TierBefore);
        Assert.Equal("Platinum", result.TierAfter);
        Assert.Equal(500 + 700, result.PointsEarned); // earned at Silver 5% + band 7%
        Assert.Equal(10, _engine.Quote(result.State, Sale("t2", Tuesday.AddHours(1), 0, Line("lab", 10_000))).PointsToEarn); // 100 KZT at 10%
    }

    [Theory]
    [InlineData(399_900, 0)]
    [InlineData(400_000, 200)]
    [InlineData(999_900, 499)]
    [InlineData(1_000_000, 700)]
    [InlineData(1_499_900, 1_049)]
    [InlineData(1_500_000, 1_500)]
    public void InvKz_R4_Quote_SinglePurchaseBands_AddExtraPercent(long amountMinor, long bandPoints)
    {
        var quote = _engine.Quote(Member(), Sale("t1", Tuesday, 0, Line("lab", amountMinor)));

        var band = quote.Earn.SingleOrDefault(i => i.RuleId == "INV-KZ-R4")?.Points ?? 0;
        Assert.Equal(bandPoints, band);
    }

    [Fact]
    public void InvKz_R5_Enroll_Welcome500ValidOneYear()
    {
        var result = Enroll(_engine, Tuesday);

        var lot = Assert.Single(result.State.Lots);
        Assert.Equal(LotKind.Welcome, lot.Kind);
        Assert.Equal(500, lot.Amount);
        Assert.Equal(Tuesday.AddYears(1), lot.ExpiresAt);
        Assert.Equal(0, _engine.Summarize(result.State, Tuesday.AddYears(1)).Balance);
    }

    [Fact]
    public void InvKz_R5_Enroll_JoinedBefore20170221_NoWelcome()
    {
        var result = Enroll(_engine, new DateTimeOffset(2017, 2, 20, 12, 0, 0, TimeSpan.Zero));

        Assert.Empty(result.State.Lots);
    }

    [Fact]
    public void InvKz_R6_GrantBirthday_OnBirthday_2000ValidThreeMonths()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30), birthDate: new DateOnly(1990, 3, 3)).State;
        state = state with { Lots = [] };

        var result = _engine.GrantBirthday(state, Tuesday);
        var again = _engine.GrantBirthday(result.State, Tuesday.AddHours(5));

        var lot = Assert.Single(result.State.Lots);
        Assert.Equal((LotKind.Birthday, 2_000L), (lot.Kind, lot.Amount));
        Assert.Equal(lot.CreditedAt.ToOffset(TimeSpan.FromHours(5)).AddMonths(3), lot.ExpiresAt);
        Assert.Single(again.State.Lots);
    }

    [Fact]
    public void InvKz_R7_ApplySale_PartlyPaidWithPoints_EarnsOnMoneyPartOnly()
    {
        // 12,000 KZT, 5,000 points: money 7,000 -> 5% = 350; band by order total (7%) on 7,000 = 490.
        var result = _engine.ApplySale(Member(20_000), Sale("t1", Tuesday, 5_000, Line("lab", 1_200_000)));

        Assert.Equal(5_000, result.PointsSpent);
        Assert.Equal(840, result.PointsEarned);
        Assert.Contains(result.Explanation, i => i.RuleId == "INV-KZ-R7" && i.BaseMinor == 500_000 && i.Points == 0);
        Assert.Equal(20_000 + 500 - 5_000 + 840, result.Summary.Balance);
    }

    [Fact]
    public void InvKz_R7_ApplySale_MoreThan90Percent_RefusedWithoutChange()
    {
        var state = Member(20_000);

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t1", Tuesday, 10_801, Line("lab", 1_200_000))));

        Assert.Equal(LoyaltyErrorCode.BurnLimitExceeded, ex.Code);
        Assert.Equal("INV-KZ-R7", ex.RuleId);
        Assert.Equal(20_500, _engine.Summarize(state, Tuesday).Balance);
    }

    [Fact]
    public void InvKz_R8_Quote_UltrasoundAndGoods_NeitherEarnNorAcceptPoints()
    {
        var state = Member(5_000);
        var quote = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("lab", 200_000), Line("ultrasound", 500_000), Line("goods", 100_000)));

        Assert.Equal(100, quote.PointsToEarn); // 5% of the 2,000 KZT lab line only
        Assert.Equal(1_800, quote.MaxPointsToSpend); // 90% of the lab line
        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t2", Tuesday, 10, Line("ecg", 500_000))));
        Assert.Equal(LoyaltyErrorCode.CategoryNotRedeemable, ex.Code);
        Assert.Equal("INV-KZ-R8", ex.RuleId);
    }

    [Fact]
    public void InvKz_R9_ApplySale_SomeoneElseSpendsOwnersPoints_Refused_ButMayPay()
    {
        var state = Member(5_000);
        var other = Sale("t1", Tuesday, 100, Line("lab", 200_000)) with { PresentedByOwner = false };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, other));
        var paid = _engine.ApplySale(state, other with { PointsToSpend = 0 });

        Assert.Equal(LoyaltyErrorCode.NotAccountOwner, ex.Code);
        Assert.Equal(100, paid.PointsEarned);
    }

    [Fact]
    public void InvKz_R10_Refund_FullOrder_TakesBackEarnedAndReturnsSpent()
    {
        var state = Member(20_000);
        var before = _engine.Summarize(state, Tuesday);
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 5_000, Line("lab", 1_200_000))).State;

        var result = _engine.Refund(state, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday.AddHours(2) });

        Assert.Equal(5_000, result.PointsReturned);
        Assert.Equal(840, result.PointsRemoved);
        Assert.Equal(before.Balance, result.Summary.Balance);
        Assert.Equal(5_000, result.LotChanges.Where(c => c.Change == LotChangeKind.Restored).Sum(c => c.Amount));
    }

    [Fact]
    public void InvKz_R11_Block_SaleRefusedUntilUnblocked()
    {
        var blocked = _engine.Block(Member(), "unlawful operations suspected", Tuesday).State;

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(blocked, Sale("t1", Tuesday, 0, Line("lab", 100_000))));
        var unblocked = _engine.Unblock(blocked, Tuesday.AddHours(1)).State;

        Assert.Equal(LoyaltyErrorCode.AccountBlocked, ex.Code);
        Assert.Equal(50, _engine.ApplySale(unblocked, Sale("t1", Tuesday.AddHours(2), 0, Line("lab", 100_000))).PointsEarned);
    }

    [Fact]
    public void InvKz_R12_ApplySale_AnyOfficeInKazakhstan_Accepted_AbroadRefused()
    {
        var state = Member();

        var home = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("lab", 100_000)) with { Country = "KZ" });
        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t2", Tuesday, 0, Line("lab", 100_000)) with { Country = "RU" }));

        Assert.Equal(50, home.PointsEarned);
        Assert.Equal(LoyaltyErrorCode.WrongCountry, ex.Code);
    }
}
