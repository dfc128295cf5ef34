using System.Text.Json;

namespace PosAgent.Cli.Tests;

/// <summary>posagent against the real agent: a checkout from the shell, as docs/cli.md shows it.</summary>
public sealed class RealAgentTests
{
    [Fact]
    public async Task Status_RealAgent_ReportsTheTerminalAndNoCentralConfigured()
    {
        await using var agent = await RealAgent.StartAsync();

        var run = await CliRun.RunAsync("status", "--json", "--socket", agent.SocketPath);

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("cli-test-lane", json.RootElement.GetProperty("terminalId").GetString());
        Assert.Equal("CONNECTIVITY_STATE_NOT_CONFIGURED", json.RootElement.GetProperty("central").GetProperty("state").GetString());
        Assert.Equal("0", json.RootElement.GetProperty("outbox").GetProperty("pending").GetString());
    }

    [Fact]
    public async Task Checkout_OpenQuoteCommitRefund_EachStepSucceedsAndTheOutboxHoldsThem()
    {
        await using var agent = await RealAgent.StartAsync();
        var socket = new[] { "--socket", agent.SocketPath };

        var open = await CliRun.RunAsync([.. socket, "--json", "open", "--line", "lab:450000:1:CBC", "--line", "goods:12000:2", "--card", RealAgent.Card]);
        Assert.True(open.ExitCode == 0, open.Error);
        using var check = JsonDocument.Parse(open.Output);
        var checkId = check.RootElement.GetProperty("checkId").GetString()!;
        Assert.Equal("474000", check.RootElement.GetProperty("totalMinor").GetString());
        Assert.Equal("****0014", check.RootElement.GetProperty("card").GetProperty("maskedNumber").GetString());

        var quote = await CliRun.RunAsync([.. socket, "quote", checkId]);
        Assert.True(quote.ExitCode == 0, quote.Error);
        Assert.Contains($"quote for check {checkId}", quote.Output, StringComparison.Ordinal);
        Assert.Contains("points to earn:", quote.Output, StringComparison.Ordinal);

        var commit = await CliRun.RunAsync([.. socket, "--json", "commit", checkId, "--points", "max"]);
        Assert.True(commit.ExitCode == 0, commit.Error);
        using var committed = JsonDocument.Parse(commit.Output);
        Assert.True(committed.RootElement.GetProperty("pending").GetBoolean());
        Assert.Equal("CHECK_STATE_COMMITTED", committed.RootElement.GetProperty("check").GetProperty("state").GetString());

        var refund = await CliRun.RunAsync([.. socket, "refund", checkId, "--reason", "cli test"]);
        Assert.True(refund.ExitCode == 0, refund.Error);
        Assert.Contains("now refunded", refund.Output, StringComparison.Ordinal);

        var status = await CliRun.RunAsync([.. socket, "--json", "status"]);
        using var statusJson = JsonDocument.Parse(status.Output);
        Assert.Equal("2", statusJson.RootElement.GetProperty("outbox").GetProperty("pending").GetString());
    }

    [Fact]
    public async Task AddLine_NegativePrice_ShowsTheAgentsInvalidArgument()
    {
        await using var agent = await RealAgent.StartAsync();
        var open = await CliRun.RunAsync("--json", "--socket", agent.SocketPath, "open");
        using var check = JsonDocument.Parse(open.Output);
        var checkId = check.RootElement.GetProperty("checkId").GetString()!;

        var run = await CliRun.RunAsync("--socket", agent.SocketPath, "add-line", checkId, "--category", "lab", "--price", "-100");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("posagent: INVALID_ARGUMENT: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("price", run.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Show_UnknownCheck_SaysSoAndExitsOne()
    {
        await using var agent = await RealAgent.StartAsync();

        var run = await CliRun.RunAsync("--socket", agent.SocketPath, "show", "no-such-check");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no-such-check", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_NoCentralConfigured_FailsSayingWhy()
    {
        await using var agent = await RealAgent.StartAsync();
        // With a card: a card-less sale stays on the terminal and is never sent.
        var open = await CliRun.RunAsync("--json", "--socket", agent.SocketPath, "open", "--line", "lab:10000", "--card", RealAgent.Card);
        using var check = JsonDocument.Parse(open.Output);
        Assert.Equal(0, (await CliRun.RunAsync("--socket", agent.SocketPath, "commit", check.RootElement.GetProperty("checkId").GetString()!)).ExitCode);

        var run = await CliRun.RunAsync("--socket", agent.SocketPath, "sync");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("1 pending", run.Output, StringComparison.Ordinal);
        Assert.Contains("no central service configured", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_RealAgent_AnswersWithTheSocket()
    {
        await using var agent = await RealAgent.StartAsync();

        var run = await CliRun.RunAsync(new Dictionary<string, string> { ["POSAGENT_SOCKET"] = agent.SocketPath }, "ping");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"the agent at unix socket {agent.SocketPath} answered in", run.Output, StringComparison.Ordinal);
    }
}
