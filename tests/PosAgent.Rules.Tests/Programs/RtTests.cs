using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests.Programs;

public sealed class RtTests
{
    private static readonly TimeSpan Moscow = TimeSpan.FromHours(3);
    private readonly LoyaltyEngine _engine = ProgramFiles.Engine("rt");

    private AccountState Member(long points = 0)
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30)).State;
        return points > 0 ? WithPoints(state, points, Tuesday.AddDays(-30)) : state;
    }

    private static RewardRequest Reward(string tx, string item, DateTimeOffset at) => new() { TransactionId = tx, ItemId = item, At = at };

    [Fact]
    public void Rt_R1_Enroll_NeedsProfileForm_500CreditedWithin24Hours()
    {
        var request = new EnrollRequest { AccountId = "a", CardNumber = ProgramFiles.Card(_engine.Program), At = Tuesday, RegistrationFormComplete = false };

        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.Enroll(request));
        var state = _engine.Enroll(request with { RegistrationFormComplete = true }).State;

        Assert.Equal((LoyaltyErrorCode.RegistrationIncomplete, "RT-R1"), (ex.Code, ex.RuleId));
        Assert.Equal((500L, 0L), (_engine.Summarize(state, Tuesday).Pending, _engine.Summarize(state, Tuesday).Usable));
        Assert.Equal(500, _engine.Summarize(state, Tuesday.AddHours(24)).Usable);
    }

    [Fact]
    public void Rt_R2_Grant_BirthdayEmailProfileAndSurveys()
    {
        var state = Enroll(_engine, Tuesday.AddDays(-30), birthDate: new DateOnly(1970, 3, 3)).State;
        state = _engine.GrantBirthday(state, Tuesday).State;
        state = _engine.Grant(state, new GrantRequest { TransactionId = "e1", EventId = "email-bill", At = Tuesday }).State;
        state = _engine.Grant(state, new GrantRequest { TransactionId = "p1", EventId = "profile-complete", At = Tuesday }).State;
        state = _engine.Grant(state, new GrantRequest { TransactionId = "s1", EventId = "survey", At = Tuesday, Points = 400 }).State;

        var twice = Assert.Throws<LoyaltyRuleException>(() => _engine.Grant(state, new GrantRequest { TransactionId = "e2", EventId = "email-bill", At = Tuesday }));
        var tooMuch = Assert.Throws<LoyaltyRuleException>(() => _engine.Grant(state, new GrantRequest { TransactionId = "s2", EventId = "survey", At = Tuesday, Points = 1_001 }));

        Assert.Equal(500 + 1_000 + 300 + 100 + 400, _engine.Summarize(state, Tuesday.AddDays(2)).Balance);
        Assert.Equal(LoyaltyErrorCode.EventAlreadyGranted, twice.Code);
        Assert.Equal(LoyaltyErrorCode.InvalidAmount, tooMuch.Code);
    }

    [Fact]
    public void Rt_R3_MonthlyAccrual_OnePointPer5Rub_SummedOverTheMonth_CreditedOnThe15th()
    {
        var state = Member();
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("internet", 100_000))).State;
        state = _engine.ApplySale(state, Sale("t2", Tuesday.AddDays(1), 0, Line("tv", 700))).State;
        state = _engine.ApplySale(state, Sale("t3", Tuesday.AddDays(2), 0, Line("phone", 800))).State;
        var batchDay = new DateTimeOffset(2026, 4, 15, 0, 0, 0, Moscow);

        var early = _engine.RunMonthlyAccrual(state, batchDay.AddTicks(-1));
        var batch = _engine.RunMonthlyAccrual(state, batchDay);
        var again = _engine.RunMonthlyAccrual(batch.State, batchDay.AddDays(1));

        Assert.Empty(early.LotChanges);
        Assert.Equal((203L, 0L), (_engine.Summarize(state, Tuesday.AddDays(3)).AwaitingBatch, _engine.Summarize(state, Tuesday.AddDays(3)).Pending));
        Assert.Equal((0L, 500L + 203L), (_engine.Summarize(batch.State, batchDay).AwaitingBatch, _engine.Summarize(batch.State, batchDay).Balance)); // welcome + batch
        var lot = Assert.Single(batch.LotChanges);
        Assert.Equal(("batch:2026-03#0", 203L), (lot.LotId, lot.Amount)); // 1,000 RUB -> 200; 7 + 8 RUB -> 3 (not 1 + 1)
        Assert.Empty(again.LotChanges);
    }

    [Fact]
    public void Rt_R4_Status_StandardAt4000StatusPoints_Gives5PercentOffCatalog()
    {
        var state = Member(1_000);
        state = _engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("internet", 1_750_000))).State; // 3,500 points
        state = _engine.RunDailyJobs(state, new DateTimeOffset(2026, 4, 15, 1, 0, 0, Moscow)).State;
        Assert.Equal("Standard", state.TierId); // 500 welcome + 3,500 = 4,000

        var reward = _engine.RedeemReward(state, Reward("w1", "kaspersky-2pc", new DateTimeOffset(2026, 4, 16, 12, 0, 0, Moscow)));

        Assert.Equal(570, reward.PointsSpent);
        Assert.Equal(new DateTimeOffset(2026, 4, 15, 1, 0, 0, Moscow).AddYears(2), state.TierValidUntil);
    }

    [Fact]
    public void Rt_R5_RedeemReward_SpendsOnCatalog_BillsCannotBePaid()
    {
        var state = Member(1_000);

        var reward = _engine.RedeemReward(state, Reward("w1", "drweb-1pc", Tuesday));
        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.ApplySale(state, Sale("t1", Tuesday, 100, Line("internet", 100_000))));

        Assert.Equal(500, reward.PointsSpent);
        Assert.Equal(1_000, reward.Summary.Balance);
        Assert.Equal((LoyaltyErrorCode.CategoryNotRedeemable, "RT-R5"), (ex.Code, ex.RuleId));
    }

    [Fact]
    public void Rt_R6_RedeemReward_OncePerMonth_NotCancellable_AntivirusOnce_OwingOrShortRefused()
    {
        var state = Member(5_000);
        var first = _engine.RedeemReward(state, Reward("w1", "drweb-1pc", Tuesday)).State;

        Assert.Equal(LoyaltyErrorCode.MonthlyRewardLimit, Assert.Throws<LoyaltyRuleException>(() => _engine.RedeemReward(first, Reward("w2", "local-60", Tuesday.AddDays(1)))).Code);
        Assert.Equal(LoyaltyErrorCode.RewardNotCancellable, Assert.Throws<LoyaltyRuleException>(() => _engine.CancelReward(first, "w1", Tuesday.AddDays(1))).Code);
        Assert.Equal(LoyaltyErrorCode.RewardAlreadyOrdered, Assert.Throws<LoyaltyRuleException>(() => _engine.RedeemReward(first, Reward("w3", "drweb-1pc", Tuesday.AddMonths(1)))).Code);
        Assert.Equal(LoyaltyErrorCode.CustomerOwesMoney, Assert.Throws<LoyaltyRuleException>(() => _engine.RedeemReward(first, Reward("w4", "local-60", Tuesday.AddMonths(1)) with { CustomerOwesMoney = true })).Code);
        Assert.Equal(LoyaltyErrorCode.InsufficientPoints, Assert.Throws<LoyaltyRuleException>(() => _engine.RedeemReward(first, Reward("w5", "channels-premium", Tuesday.AddMonths(1)) with { Region = "moscow" })).Code);
        Assert.Equal(370, _engine.RedeemReward(first, Reward("w6", "local-60", Tuesday.AddMonths(1))).PointsSpent);
    }

    [Fact]
    public void Rt_R7_Validity_Points24Months_RewardsFilm48hMinutesMonthEndAntivirus2Months()
    {
        var state = Member(5_000);

        var film = _engine.RedeemReward(state, Reward("w1", "film-rental", Tuesday)).Reward!;
        var minutes = _engine.RedeemReward(state, Reward("w2", "local-60", Tuesday)).Reward!;
        var antivirus = _engine.RedeemReward(state, Reward("w3", "eset-3pc", Tuesday)).Reward!;
        var welcome = state.Lots.Single(l => l.Kind == LotKind.Welcome);

        Assert.Equal(Tuesday.AddHours(48), film.ValidUntil);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 0, 0, 0, Moscow), minutes.ValidUntil);
        Assert.Equal(Tuesday.AddMonths(2), antivirus.ValidUntil);
        Assert.Equal(welcome.CreditedAt.AddMonths(24), welcome.ExpiresAt);
    }

    [Fact]
    public void Rt_R8_RedeemReward_RegionalItem_OnlyInItsRegions()
    {
        var state = Member(20_000);

        var moscow = _engine.RedeemReward(state, Reward("w1", "channels-premium", Tuesday) with { Region = "moscow" });
        var ex = Assert.Throws<LoyaltyRuleException>(() => _engine.RedeemReward(state, Reward("w1", "channels-premium", Tuesday) with { Region = "far-east" }));

        Assert.Equal(9_000, moscow.PointsSpent);
        Assert.Equal(LoyaltyErrorCode.RewardNotInRegion, ex.Code);
    }
}
