using Microsoft.Extensions.Logging.Testing;
using PosAgent.Agent.Internal.Sync;
using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Sync;

public sealed class FailureLogThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    [Fact]
    public void Failed_SameErrorAThousandTimesInTenSeconds_OneLine()
    {
        var (throttle, time, log) = Create();

        for (var i = 0; i < 1000; i++)
        {
            throttle.Failed("offline: circuit open (offline)");
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(["Sync pass failed: offline: circuit open (offline)"], Messages(log));
    }

    [Fact]
    public void Failed_SameErrorPastTheInterval_OneSummaryWithTheCount()
    {
        var (throttle, time, log) = Create();
        throttle.Failed("offline: circuit open (offline)");

        for (var i = 0; i < 300; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            throttle.Failed("offline: circuit open (offline)");
        }

        Assert.Equal(2, Messages(log).Count);
        Assert.Equal("Sync pass still failing: offline: circuit open (offline) (300 more failed passes since the last line; the last error is shown)", Messages(log)[1]);
    }

    [Fact]
    public void Failed_OfflineErrorsAlternate_OneState_CredentialsRefusedIsANewState_SuccessSaysHowManyFailed()
    {
        var (throttle, _, log) = Create();
        throttle.Failed("Unavailable: connection refused");
        throttle.Failed("offline: circuit open (offline)");
        throttle.Failed("Unavailable: connection refused");
        throttle.Failed("credentials: Unauthenticated: bad token");
        throttle.Succeeded();
        throttle.Succeeded();

        Assert.Equal(
            [
                "Sync pass failed: Unavailable: connection refused",
                "Sync pass still failing: Unavailable: connection refused (2 more failed passes since the last line; the last error is shown)",
                "Sync pass failed: credentials: Unauthenticated: bad token",
                "Sync recovered after 4 failed passes",
            ],
            Messages(log));
    }

    [Fact]
    public async Task Run_OfflineAgentHundredSales_OneLineNotOnePerPass()
    {
        using var dir = new TempDirectory("pa-offline-log-");
        // Nothing listens on port 9 (discard) on loopback: every call fails fast with UNAVAILABLE.
        await using var agent = await AgentProcess.StartAsync(dir.Path, "terminal-offline-log", central: "http://127.0.0.1:9", token: "t");
        await SellAsync(agent);
        // The first pass fails once the gateway's retries give up and the circuit opens.
        await agent.WaitForLineAsync(l => l.Contains("Sync pass failed:", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        // Now every sale wakes a pass that fails at once on the open circuit: before the throttle, a line each.
        for (var i = 0; i < 100; i++)
        {
            await SellAsync(agent);
        }

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(20)));

        var failed = agent.Output.Where(l => l.Contains("Sync pass failed:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(failed);
        Assert.True(failed.Count == 1, $"{failed.Count} 'Sync pass failed' lines for 101 offline sales:\n{string.Join('\n', agent.Output)}");
    }

    private static async Task SellAsync(AgentProcess agent)
    {
        var check = await agent.Client.OpenCheckAsync(new Contracts.PosAgent.V1.OpenCheckRequest()).WithTimeout();
        // A card-less sale never leaves the terminal; a carded one has to reach the central service.
        await agent.Client.AttachCardAsync(new Contracts.PosAgent.V1.AttachCardRequest { CheckId = check.CheckId, CardNumber = TestCards.Csm(4242) }).WithTimeout();
        check = await agent.Client.AddLineAsync(new Contracts.PosAgent.V1.AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
        await agent.Client.CommitAsync(new Contracts.PosAgent.V1.CommitRequest { CheckId = check.CheckId, Payment = new Contracts.PosAgent.V1.PaymentSplit { CashMinor = check.TotalMinor } }).WithTimeout();
    }

    private static (FailureLogThrottle Throttle, FakeTimeProvider Time, FakeLogger Log) Create()
    {
        var time = TestClock.Create();
        var log = new FakeLogger();
        return (new FailureLogThrottle(Interval, time, log), time, log);
    }

    /// <summary>The messages the throttle logged, in order (the library's FakeLogger keeps them).</summary>
    private static List<string> Messages(FakeLogger log) => [.. log.Collector.GetSnapshot().Select(r => r.Message)];
}
