using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests;

public sealed class BadInputTests
{
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("inv-kz");

    private AccountState Member() => WithPoints(Enroll(_engine, Tuesday).State, 10_000, Tuesday);

    /// <summary>Runs a refused operation and checks the error code and that the state did not change.</summary>
    private static LoyaltyRuleException Refused(AccountState state, Func<AccountState, object> operation, LoyaltyErrorCode code)
    {
        var before = AccountStateJson.Serialize(state);
        var ex = Assert.Throws<LoyaltyRuleException>(() => operation(state));
        Assert.Equal(code, ex.Code);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.Equal(before, AccountStateJson.Serialize(state));
        return ex;
    }

    [Fact]
    public void ApplySale_NegativeLineAmount_InvalidAmount()
    {
        var ex = Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, 0, Line("lab", -100))), LoyaltyErrorCode.InvalidAmount);

        Assert.Contains("Line 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplySale_AbsurdLineAmount_InvalidAmount() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, 0, Line("lab", long.MaxValue))), LoyaltyErrorCode.InvalidAmount);

    [Fact]
    public void ApplySale_NegativePointsToSpend_InvalidAmount() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, -5, Line("lab", 100))), LoyaltyErrorCode.InvalidAmount);

    [Fact]
    public void ApplySale_AbsurdPointsToSpend_InvalidAmount() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, long.MaxValue, Line("lab", 100))), LoyaltyErrorCode.InvalidAmount);

    [Fact]
    public void ApplySale_NegativePayment_InvalidAmount() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, 0, Line("lab", 100)) with { Payments = [new Payment(PaymentType.Cash, 200), new Payment(PaymentType.BankCard, -100)] }), LoyaltyErrorCode.InvalidAmount);

    [Fact]
    public void ApplySale_PaymentsDoNotCoverMoneyPart_PaymentMismatch() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, 0, Line("lab", 100_000)) with { Payments = [new Payment(PaymentType.Cash, 90_000)] }), LoyaltyErrorCode.PaymentMismatch);

    [Fact]
    public void Quote_UnknownCategory_NamesIt()
    {
        var ex = Refused(Member(), s => _engine.Quote(s, Sale("t1", Tuesday, 0, Line("lab", 100), Line("massage", 100))), LoyaltyErrorCode.UnknownCategory);

        Assert.Contains("massage", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplySale_EmptyBasket_InvalidRequest() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, 0)), LoyaltyErrorCode.InvalidRequest);

    [Fact]
    public void ApplySale_TimeMoreThanAWeekBeforeLastOperation_TimeWentBackwards()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday.AddDays(30), 0, Line("lab", 100))).State;

        Refused(state, s => _engine.ApplySale(s, Sale("t2", Tuesday.AddDays(22), 0, Line("lab", 100))), LoyaltyErrorCode.TimeWentBackwards);
        Assert.Equal(5, _engine.ApplySale(state, Sale("t3", Tuesday.AddDays(24), 0, Line("lab", 10_000))).PointsEarned); // late offline sale within a week
    }

    [Fact]
    public void RunDailyJobs_TimeBackwards_TimeWentBackwards()
    {
        var state = _engine.RunDailyJobs(Member(), Tuesday.AddDays(60)).State;

        Refused(state, s => _engine.RunDailyJobs(s, Tuesday), LoyaltyErrorCode.TimeWentBackwards);
    }

    [Fact]
    public void Refund_DatedBeforeItsSale_TimeWentBackwards()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday.AddHours(5), 0, Line("lab", 100_000))).State;

        Refused(state, s => _engine.Refund(s, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday.AddHours(4) }), LoyaltyErrorCode.TimeWentBackwards);
    }

    [Fact]
    public void ApplySale_SameTransactionTwice_DuplicateTransaction()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("lab", 100))).State;

        Refused(state, s => _engine.ApplySale(s, Sale("t1", Tuesday, 0, Line("lab", 100))), LoyaltyErrorCode.DuplicateTransaction);
    }

    [Fact]
    public void Refund_UnknownSale_OriginalSaleNotFound() =>
        Refused(Member(), s => _engine.Refund(s, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "nope", At = Tuesday }), LoyaltyErrorCode.OriginalSaleNotFound);

    [Fact]
    public void Refund_MoreThanTheLine_RefundExceedsSale_AndSecondFullRefundHasNothingLeft()
    {
        var state = _engine.ApplySale(Member(), Sale("t1", Tuesday, 0, Line("lab", 100_000))).State;

        Refused(state, s => _engine.Refund(s, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday, Lines = [new RefundLine(0, 100_001)] }), LoyaltyErrorCode.RefundExceedsSale);
        Refused(state, s => _engine.Refund(s, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday, Lines = [new RefundLine(3, 1)] }), LoyaltyErrorCode.InvalidRequest);
        var full = _engine.Refund(state, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday }).State;
        Refused(full, s => _engine.Refund(s, new RefundRequest { TransactionId = "r2", OriginalTransactionId = "t1", At = Tuesday }), LoyaltyErrorCode.InvalidAmount);
    }

    [Fact]
    public void ApplySale_StateOfAnotherProgram_WrongProgram()
    {
        var csm = ProgramFiles.Engine("csm");
        var state = Enroll(csm, Tuesday).State;

        Refused(state, s => _engine.ApplySale(s, Sale("t1", Tuesday, 0, Line("lab", 100))), LoyaltyErrorCode.WrongProgram);
    }

    [Fact]
    public void Enroll_BadCardNumber_InvalidCardNumber_WithoutEchoingIt()
    {
        var card = ProgramFiles.Card(_engine.Program);
        var wrongCheck = card[..^1] + (char)('0' + ((card[^1] - '0' + 1) % 10));

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.Enroll(new EnrollRequest { AccountId = "a", CardNumber = wrongCheck, At = Tuesday }));

        Assert.Equal(LoyaltyErrorCode.InvalidCardNumber, ex.Code);
        Assert.DoesNotContain(wrongCheck, ex.Message, StringComparison.Ordinal);
        Assert.Contains("EAN-13", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grant_UnknownEvent_ListsKnownOnes()
    {
        var ex = Refused(Member(), s => _engine.Grant(s, new GrantRequest { TransactionId = "g", EventId = "lottery", At = Tuesday }), LoyaltyErrorCode.UnknownEvent);

        Assert.Contains("birthday", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplySale_MoreThanUsable_InsufficientPoints() =>
        Refused(Member(), s => _engine.ApplySale(s, Sale("t1", Tuesday, 10_501, Line("lab", 10_000_000))), LoyaltyErrorCode.InsufficientPoints);

    [Fact]
    public void AssignTier_Unknown_UnknownTier() =>
        Refused(Member(), s => _engine.AssignTier(s, "Diamond", Tuesday), LoyaltyErrorCode.UnknownTier);

    [Fact]
    public void Constructor_NegativeBackdating_Throws() =>
        Assert.Throws<ArgumentException>(() => new LoyaltyEngine(_engine.Program, new LoyaltyEngineOptions { MaxBackdating = TimeSpan.FromDays(-1) }));
}
