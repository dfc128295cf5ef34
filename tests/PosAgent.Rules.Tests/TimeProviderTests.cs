using PosAgent.Rules;
using PosAgent.TestSupport;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests;

public sealed class TimeProviderTests
{
    [Fact]
    public void RunDailyJobs_WithoutTime_UsesInjectedClock()
    {
        var clock = new FakeTimeProvider(Tuesday);
        var engine = new LoyaltyEngine(ProgramFiles.Get("inv-hp"), timeProvider: clock);
        var state = engine.Grant(Enroll(engine, Tuesday).State, new GrantRequest { TransactionId = "g1", EventId = "gift", At = Tuesday, Points = 40 }).State;

        clock.Advance(TimeSpan.FromDays(29));
        var early = engine.RunDailyJobs(state);
        clock.Advance(TimeSpan.FromDays(1));
        var due = engine.RunDailyJobs(state);

        Assert.Equal(0, early.PointsRemoved);
        Assert.Equal(40, due.PointsRemoved); // gift points live 30 days (INV-HP-R5)
        Assert.Equal(300, engine.Summarize(due.State).Balance);
    }

    [Fact]
    public void Quote_ResultingLots_ShowCreditActivationAndExpiry()
    {
        var engine = ProgramFiles.Engine("csm");

        var quote = engine.Quote(Enroll(engine, Tuesday).State, Sale("t1", Tuesday, 0, Line("medical", 100_000)));

        var lot = Assert.Single(quote.Lots);
        Assert.Equal(new LotPreview(LotKind.Purchase, 30, Tuesday, Tuesday.AddHours(24), Tuesday.AddYears(3)), lot);
    }

    [Fact]
    public void RunDailyJobs_TwiceAtTheSameTime_SecondChangesNothing()
    {
        var engine = ProgramFiles.Engine("rt");
        var state = Enroll(engine, Tuesday, birthDate: new DateOnly(1980, 3, 20)).State;
        state = engine.ApplySale(state, Sale("t1", Tuesday, 0, Line("internet", 50_000))).State;
        var at = new DateTimeOffset(2026, 4, 20, 0, 0, 0, TimeSpan.Zero);

        var first = engine.RunDailyJobs(state, at);
        var second = engine.RunDailyJobs(first.State, at);

        Assert.NotEmpty(first.LotChanges); // batch of March + birthday
        Assert.Empty(second.LotChanges);
        Assert.Equal(AccountStateJson.Serialize(first.State), AccountStateJson.Serialize(second.State));
    }
}
