using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class StmTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("stm");

    private AccountState Member(long points = 0)
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30)).State;
        return points > 0 ? WithPoints(state, points, Tuesday.AddDays(-30)) : state;
    }

    [Fact]
    public void Stm_R1_Enroll_PhoneNotConfirmed_Refused()
    {
        var request = new EnrollRequest { AccountId = "a", CardNumber = ProgramFiles.Card(_engine.Program), At = Tuesday, PhoneConfirmed = false };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.Enroll(request));

        Assert.Equal((LoyaltyErrorCode.RegistrationIncomplete, "STM-R1"), (ex.Code, ex.RuleId));
        Assert.Equal("Basic", _engine.Enroll(request with { PhoneConfirmed = true }).State.TierId);
    }

    [Fact]
    public void Stm_R2_Quote_BasicEarns3Pays3_RegularAfter3OrdersAnd100000()
    {
        var state = Member(100_000);
        var basic = _engine.Quote(state, Sale("t0", Tuesday, 0, Line("goods", 1_000_000)));
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("goods", 4_000_000))).State;
        state = _engine.ApplySale(state, Sale("t2", Tuesday.AddHours(1), 0, Line("goods", 4_000_000))).State;
        state = _engine.ApplySale(state, Sale("t3", Tuesday.AddHours(2), 0, Line("goods", 2_000_000))).State;

        var regular = _engine.Quote(state, Sale("t4", Tuesday.AddDays(9), 0, Line("goods", 1_000_000)));

        Assert.Equal((300L, 300L, BurnLimitKind.TierShare, "STM-R2"), (basic.PointsToEarn, basic.MaxPointsToSpend, basic.BindingLimit, basic.BindingRuleId));
        Assert.Equal(("Regular", 500L, 500L), (regular.TierId, regular.PointsToEarn, regular.MaxPointsToSpend));
    }

    [Fact]
    public void Stm_R3_ApplySale_Credited7DaysAfterGoodsReceived_UsableAtOnce()
    {
        var received = Tuesday.AddDays(2);
        var result = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("goods", 1_000_000)) with { GoodsReceivedAt = received });

        var lot = Assert.Single(result.State.Lots);
        Assert.Equal((received.AddDays(7), received.AddDays(7)), (lot.CreditedAt, lot.UsableFrom));
        Assert.Equal((300L, 0L), (_engine.Summarize(result.State, received.AddDays(7).AddTicks(-1)).Pending, _engine.Summarize(result.State, received.AddDays(7).AddTicks(-1)).Usable));
        Assert.Equal(300, _engine.Summarize(result.State, received.AddDays(7)).Usable);
    }

    [Fact]
    public void Stm_R4_Quote_DeliveryAndInstallation_EarnNothing()
    {
        var quote = _engine.Quote(Member(), Sale("t1", Tuesday, 0, Line("goods", 100_000), Line("delivery", 50_000), Line("installation", 50_000)));

        Assert.Equal(30, quote.PointsToEarn);
        Assert.Contains(quote.Earn, i => i.RuleId == "STM-R4" && i.BaseMinor == 50_000);
    }

    [Fact]
    public void Stm_R5_Quote_MarkedDownGoods_EarnOnMoneyActuallyPaid()
    {
        var state = Member(1_000);

        var discounted = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("goods", 70_000, discounted: true)));
        var withPoints = _engine.Quote(state, Sale("t1", Tuesday, 30, Line("goods", 100_000)));

        Assert.Equal(21, discounted.PointsToEarn); // 3% of the 700 RUB paid after mark-down
        Assert.Equal(29, withPoints.PointsToEarn); // 3% of 970 RUB = 29.1
        Assert.Contains(withPoints.Earn, i => i.RuleId == "STM-R5" && i.BaseMinor == 3_000);
    }

    [Fact]
    public void Stm_R6_Quote_ItemsNotPayableWithPoints_Excluded()
    {
        var state = Member(1_000);

        var mixed = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("goods", 1_000_000, notRedeemable: true), Line("goods", 1_000_000)));
        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t1", Tuesday, 10, Line("goods", 1_000_000, notRedeemable: true))));

        Assert.Equal(300, mixed.MaxPointsToSpend);
        Assert.Equal((LoyaltyErrorCode.CategoryNotRedeemable, "STM-R6"), (ex.Code, ex.RuleId));
    }

    [Fact]
    public void Stm_R7_Lots_Purchase90DaysAfterCredit_UsefulActionsNever()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("goods", 100_000))).State;
        state = _engine.Grant(state, new GrantRequest { TransactionId = "u1", EventId = "useful-action", At = Tuesday, Points = 50 }).State;

        var purchase = state.Lots.Single(l => l.Kind == LotKind.Purchase);
        Assert.Equal(purchase.CreditedAt.AddDays(90), purchase.ExpiresAt);
        Assert.Null(state.Lots.Single(l => l.Kind == LotKind.UsefulAction).ExpiresAt);
        Assert.Equal(30, _engine.ExpireLots(state, purchase.CreditedAt.AddDays(90)).PointsRemoved);
        Assert.Equal(50, _engine.Summarize(state, Tuesday.AddYears(10)).Balance);
    }

    [Fact]
    public void Stm_R8_ApplySale_PromoCodeAndPoints_Refused()
    {
        var sale = Sale("t1", Tuesday, 10, Line("goods", 100_000)) with { PromoCode = "SPRING" };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(Member(1_000), sale));

        Assert.Equal((LoyaltyErrorCode.PromoCodeWithPoints, "STM-R8"), (ex.Code, ex.RuleId));
        Assert.Equal(3, _engine.ApplySale(Member(1_000), sale with { PointsToSpend = 0, Lines = [Line("goods", 10_000)] }).PointsEarned);
    }

    [Fact]
    public void Stm_R9_ApplySale_LevelChangesTheDayAfterPointsAreCredited()
    {
        var state = Member();
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("goods", 4_000_000))).State;
        state = _engine.ApplySale(state, Sale("t2", Tuesday.AddHours(1), 0, Line("goods", 4_000_000))).State;

        var third = _engine.ApplySale(state, Sale("t3", Tuesday.AddHours(2), 0, Line("goods", 2_000_000)));

        var moscow = TimeSpan.FromHours(3);
        var expectedFrom = new DateTimeOffset(2026, 3, 11, 0, 0, 0, moscow); // credited 10 March (Tuesday + 7 days), level from the 11th
        Assert.Equal(("Basic", "Regular", expectedFrom), (third.TierAfter, third.PendingTierId, third.PendingTierFrom));
        Assert.Equal("Basic", _engine.ApplyTierChanges(third.State, expectedFrom.AddTicks(-1)).TierAfter);
        Assert.Equal("Regular", _engine.ApplyTierChanges(third.State, expectedFrom).TierAfter);
    }

    [Fact]
    public void Stm_R10_Refund_Within7Days_TakesBackEarned_ReturnsSpentAfter24Hours()
    {
        var state = Member(1_000);
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 300, Line("goods", 1_000_000))).State; // earns 3% of 9,700 = 291

        var result = _engine.Refund(state, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday.AddDays(3) });
        var late = Assert.Throws<LoyaltyRuleException>(() => _engine.Refund(state, new RefundRequest { TransactionId = "r2", OriginalTransactionId = "t1", At = Tuesday.AddDays(8) }));

        Assert.Equal((291L, 300L), (result.PointsRemoved, result.PointsReturned));
        var returned = result.State.Lots.Single(l => l.SourceTransactionId == "r1");
        Assert.Equal(Tuesday.AddDays(4), returned.UsableFrom);
        Assert.Equal(700, _engine.Summarize(result.State, Tuesday.AddDays(3)).Usable);
        Assert.Equal(1_000, _engine.Summarize(result.State, Tuesday.AddDays(4)).Usable);
        Assert.Equal((LoyaltyErrorCode.RefundWindowClosed, "STM-R10"), (late.Code, late.RuleId));
    }
}
