using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

public sealed class AgentProcessLifetimeTests
{
    [Fact]
    public async Task Run_Sigterm_ExitsWithCodeZeroAndRemovesNothingFromTheOutbox()
    {
        using var dir = new TempDirectory("pa-life-");
        await using var agent = await AgentProcess.StartAsync(dir.Path, "terminal-life", central: null, token: null);

        var exitCode = await agent.TerminateAsync(TimeSpan.FromSeconds(20));

        // systemd sends SIGTERM on stop; an agent that ignores it is killed 90 s later, mid-write.
        Assert.Equal(0, exitCode);
        Assert.True(File.Exists(Path.Combine(dir.Path, "agent.db")), "the agent database must stay on disk after a clean stop");
    }

    [Fact]
    public async Task Run_DefaultLogLevel_OneLinePerCommitAndNoFrameworkLinePerCall()
    {
        using var dir = new TempDirectory("pa-life-");
        await using var agent = await AgentProcess.StartAsync(dir.Path, "terminal-log", central: null, token: null, logLevel: null);
        var check = await agent.Client.OpenCheckAsync(new Contracts.PosAgent.V1.OpenCheckRequest()).WithTimeout();
        check = await agent.Client.AddLineAsync(new Contracts.PosAgent.V1.AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
        var sale = await agent.Client.CommitAsync(new Contracts.PosAgent.V1.CommitRequest { CheckId = check.CheckId, Payment = new Contracts.PosAgent.V1.PaymentSplit { CashMinor = check.TotalMinor } }).WithTimeout();

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(20)));

        var log = agent.Output;
        Assert.Single(log, line => line.Contains($"Committed sale {sale.OperationId}", StringComparison.Ordinal));
        // Four calls: at Information the web framework would have written four lines for each.
        Assert.DoesNotContain(log, line => line.Contains("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(log, line => line.Contains("info: PosAgent.Agent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_UnreadableDatabase_ExitsWithOneAndSaysWhichFile()
    {
        using var dir = new TempDirectory("pa-life-");
        var database = Path.Combine(dir.Path, "agent.db");
        await File.WriteAllTextAsync(database, new string('x', 4096));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AgentProcess.StartAsync(dir.Path, "terminal-bad-db", central: null, token: null));

        Assert.Contains("exited with 1", error.Message, StringComparison.Ordinal);
        Assert.Contains($"posagent-agent cannot start: The agent database '{database}' cannot be used", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.Message, StringComparison.Ordinal);
    }
}
