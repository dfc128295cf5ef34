using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class CsmTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("csm");

    private AccountState Member(long points = 0)
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30)).State;
        return points > 0 ? WithPoints(state, points, Tuesday.AddDays(-30)) : state;
    }

    private static SaleRequest Paid(string tx, DateTimeOffset at, SaleLine line, params Payment[] payments) =>
        Sale(tx, at, 0, line) with { Payments = payments };

    [Fact]
    public void Csm_R1_Enroll_IncompleteForm_Refused_CardFreeOver3000Else300()
    {
        var request = new EnrollRequest { AccountId = "a", CardNumber = ProgramFiles.Card(_engine.Program), At = Tuesday, RegistrationFormComplete = false };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.Enroll(request));
        var bought = _engine.Enroll(request with { RegistrationFormComplete = true, QualifyingPaymentMinor = 300_000 });
        var free = _engine.Enroll(request with { RegistrationFormComplete = true, QualifyingPaymentMinor = 300_001 });

        Assert.Equal(LoyaltyErrorCode.RegistrationIncomplete, ex.Code);
        Assert.Equal(30_000, bought.FeeMinor);
        Assert.Equal(0, free.FeeMinor);
    }

    [Fact]
    public void Csm_R2_Quote_Cash3Card3Tourism1()
    {
        var state = Member();

        var cash = _engine.Quote(state, Paid("t1", Tuesday, Line("medical", 100_000), new Payment(PaymentType.Cash, 100_000)));
        var split = _engine.Quote(state, Paid("t1", Tuesday, Line("medical", 100_000), new Payment(PaymentType.Cash, 40_000), new Payment(PaymentType.BankCard, 60_000)));
        var tourism = _engine.Quote(state, Paid("t1", Tuesday, Line("tourism", 100_000), new Payment(PaymentType.Cash, 100_000)));

        Assert.Equal(30, cash.PointsToEarn);
        Assert.Equal([12L, 18L], split.Earn.Where(i => i.Points > 0).Select(i => i.Points));
        Assert.Equal(10, tourism.PointsToEarn);
    }

    [Fact]
    public void Csm_R3_Enroll_Welcome100OnCardIssue()
    {
        var result = Enroll(_engine, Tuesday);

        Assert.Equal(100, result.Summary.Balance);
        Assert.Contains("CSM-R3", result.Rules);
    }

    [Fact]
    public void Csm_R4_Welcome_UsableAfter3Days_PurchaseAfter24Hours()
    {
        var state = Enroll(_engine, Tuesday).State;
        state = _engine.ApplySale(state, Paid("t1", Tuesday, Line("medical", 100_000), new Payment(PaymentType.Cash, 100_000))).State;

        Assert.Equal(0, _engine.Summarize(state, Tuesday.AddHours(23)).Usable);
        Assert.Equal(30, _engine.Summarize(state, Tuesday.AddHours(24)).Usable);
        Assert.Equal(30, _engine.Summarize(state, Tuesday.AddDays(3).AddTicks(-1)).Usable);
        Assert.Equal(130, _engine.Summarize(state, Tuesday.AddDays(3)).Usable);
    }

    [Fact]
    public void Csm_R5_Quote_CardNotPresentedOrNotRecipient_NoPoints()
    {
        var sale = Paid("t1", Tuesday, Line("medical", 100_000), new Payment(PaymentType.Cash, 100_000));

        var noCard = _engine.Quote(Member(), sale with { CardPresented = false });
        var other = _engine.Quote(Member(), sale with { PresentedByOwner = false });

        Assert.Equal(0, noCard.PointsToEarn);
        Assert.Contains(noCard.Earn, i => i.RuleId == "CSM-R5");
        Assert.Equal(0, other.PointsToEarn);
    }

    [Fact]
    public void Csm_R6_Quote_DiscountedInsuranceLegalEntityAndPointsPart_EarnNothing()
    {
        var state = Member(1_000);

        var discounted = _engine.Quote(state, Paid("t1", Tuesday, Line("medical", 100_000, discounted: true), new Payment(PaymentType.Cash, 100_000)));
        var insurance = _engine.Quote(state, Paid("t1", Tuesday, Line("medical", 100_000), new Payment(PaymentType.Insurance, 60_000), new Payment(PaymentType.Cash, 40_000)));
        var employer = _engine.Quote(state, Paid("t1", Tuesday, Line("medical", 100_000), new Payment(PaymentType.LegalEntity, 100_000)));
        var points = _engine.Quote(state, Sale("t1", Tuesday, 500, Line("medical", 100_000)) with { Payments = [new Payment(PaymentType.Cash, 50_000)] });

        Assert.Equal(0, discounted.PointsToEarn);
        Assert.Equal(12, insurance.PointsToEarn); // only the 400 RUB in cash
        Assert.Contains(insurance.Earn, i => i.RuleId == "CSM-R6" && i.BaseMinor == 60_000);
        Assert.Equal(0, employer.PointsToEarn);
        Assert.Equal(15, points.PointsToEarn); // 3% of the 500 RUB paid in money
    }

    [Fact]
    public void Csm_R7_ApplySale_RoundsHalfUp_KeptThreeYears()
    {
        var result = _engine.ApplySale(Member(), Paid("t1", Tuesday, Line("medical", 105_000), new Payment(PaymentType.Cash, 105_000)));

        Assert.Equal(32, result.PointsEarned); // 31.5 -> 32
        var lot = result.State.Lots.Single(l => l.Kind == LotKind.Purchase);
        Assert.Equal(Tuesday.AddYears(3), lot.ExpiresAt);
        Assert.Contains(_engine.ExpireLots(result.State, Tuesday.AddYears(3)).LotChanges, c => c.LotId == lot.Id && c.Change == LotChangeKind.Expired && c.Amount == 32);
        Assert.DoesNotContain(_engine.ExpireLots(result.State, Tuesday.AddYears(3).AddTicks(-1)).LotChanges, c => c.LotId == lot.Id);
    }

    [Fact]
    public void Csm_R8_Quote_DentalHalf_MedicalWhole()
    {
        var state = Member(10_000);

        var dental = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("dental", 200_000)));
        var medical = _engine.Quote(state, Sale("t1", Tuesday, 0, Line("medical", 200_000)));

        Assert.Equal((1_000L, BurnLimitKind.CategoryShare, "CSM-R8"), (dental.MaxPointsToSpend, dental.BindingLimit, dental.BindingRuleId));
        Assert.Equal((2_000L, BurnLimitKind.BillShare), (medical.MaxPointsToSpend, medical.BindingLimit));
    }

    [Fact]
    public void Csm_R9_ApplySale_AnotherPersonsCard_CannotPay()
    {
        var sale = Sale("t1", Tuesday, 100, Line("medical", 100_000)) with { PresentedByOwner = false };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(Member(1_000), sale));

        Assert.Equal((LoyaltyErrorCode.NotAccountOwner, "CSM-R9"), (ex.Code, ex.RuleId));
    }

    [Fact]
    public void Csm_R10_Summarize_BalanceByCard_MasksTheNumber()
    {
        var state = Member(250);

        var summary = _engine.Summarize(state, Tuesday.AddDays(10));

        Assert.Equal(350, summary.Balance);
        Assert.Equal(new string('*', 12) + state.CardNumber[^4..], summary.MaskedCard);
    }

    [Fact]
    public void Csm_R11_ReplaceCard_BalanceMovesOldCardBlocked_FeeUnlessPaymentOver3000()
    {
        var state = Member(250);
        var newCard = ProgramFiles.Card(_engine.Program, 2);

        var paid = _engine.ReplaceCard(state, newCard, Tuesday, qualifyingPaymentMinor: 100_000);
        var free = _engine.ReplaceCard(state, newCard, Tuesday, qualifyingPaymentMinor: 400_000);

        Assert.Equal(30_000, paid.FeeMinor);
        Assert.Equal(0, free.FeeMinor);
        Assert.Equal(newCard, paid.State.CardNumber);
        Assert.Equal([state.CardNumber], paid.State.PreviousCards);
        Assert.Equal(350, paid.Summary.Balance);
    }

    [Fact]
    public void Csm_R12_Annul_CancelsAllPoints_RefusesEverythingAfter()
    {
        var result = _engine.Annul(Member(250), "false data", Tuesday);

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(result.State, Sale("t1", Tuesday, 0, Line("medical", 1_000))));

        Assert.Equal(350, result.PointsRemoved);
        Assert.Equal(0, result.Summary.Balance);
        Assert.Equal(LoyaltyErrorCode.AccountAnnulled, ex.Code);
    }

    [Fact]
    public void Csm_R13_Card_ValidThreeYears_ExtensionKeepsBalance()
    {
        var state = Enroll(_engine, Tuesday).State;
        state = _engine.ApplySale(state, Paid("t1", Tuesday.AddYears(1), Line("medical", 100_000), new Payment(PaymentType.Cash, 100_000))).State;
        var afterEnd = Tuesday.AddYears(3).AddDays(1);

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t2", afterEnd, 0, Line("medical", 1_000))));
        var extended = _engine.ExtendCard(state, afterEnd);

        Assert.Equal((LoyaltyErrorCode.CardExpired, "CSM-R13"), (ex.Code, ex.RuleId));
        Assert.Equal(afterEnd.AddYears(3), extended.State.CardValidUntil);
        Assert.Equal(30, extended.Summary.Balance); // the welcome points lapsed after 3 years; the rest stays
    }
}
