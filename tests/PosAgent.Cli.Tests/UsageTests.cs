namespace PosAgent.Cli.Tests;

/// <summary>The command line itself: help, and mistakes caught before any call (exit code 2).</summary>
public sealed class UsageTests
{
    [Fact]
    public async Task Help_Root_ListsEveryCommand()
    {
        var run = await CliRun.RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "status", "ping", "open", "add-line", "attach", "quote", "commit", "refund", "show", "cancel", "receipt", "balance", "events", "sync", "scan" })
        {
            Assert.Contains("  " + command, run.Output, StringComparison.Ordinal);
        }

        Assert.Contains("--json", run.Output, StringComparison.Ordinal);
        Assert.Contains("--socket", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownCommand_ExitsTwoAndPointsToHelp()
    {
        var run = await CliRun.RunAsync("frobnicate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'frobnicate'", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'posagent --help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task Open_MalformedLine_NamesTheLineAndTheExpectedForm()
    {
        var run = await CliRun.RunAsync("open", "--line", "lab_diagnostics:twelve");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--line 'lab_diagnostics:twelve': price 'twelve' is not a whole number of minor units", run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'posagent open --help'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_PointsNeitherNumberNorMax_IsRejected()
    {
        var run = await CliRun.RunAsync("commit", "c-1", "--points", "lots");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--points: 'lots' is neither a whole number of points (0 or more) nor 'max'.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_NegativeCash_IsRejected()
    {
        var run = await CliRun.RunAsync("commit", "c-1", "--cash", "-5");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--cash: must be 0 or more minor units.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refund_NeitherCheckNorOperation_AsksForOne()
    {
        var run = await CliRun.RunAsync("refund");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Give the check id or --operation ID (one of them).", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refund_LineWithZeroQuantity_IsRejected()
    {
        var run = await CliRun.RunAsync("refund", "c-1", "--line", "l-1:0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--line 'l-1:0': expected line-id or line-id:qty with qty 1 or more.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_UnknownKind_ListsTheKnownOnes()
    {
        var run = await CliRun.RunAsync("events", "--kind", "weather");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("weather", run.Error, StringComparison.Ordinal);
        Assert.Contains("scan", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_Zero_IsRejected()
    {
        var run = await CliRun.RunAsync("status", "--timeout", "0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--timeout: 0 is not a number of seconds between 0 and 3600.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageError_WithJson_IsAnErrorObjectOnStderr()
    {
        var run = await CliRun.RunAsync("commit", "--json");

        Assert.Equal(2, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.Error.Split('\n')[0]);
        Assert.Equal("USAGE", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("commit", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
