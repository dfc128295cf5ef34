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

    [Theory]
    [InlineData("open --line lab_diagnostics:twelve", "--line 'lab_diagnostics:twelve': price 'twelve' is not a whole number of minor units")]
    [InlineData("open --line lab", "--line 'lab': expected category:price[:qty[:name[:sku]]]")]
    [InlineData("commit c-1 --points lots", "--points: 'lots' is neither a whole number of points (0 or more) nor 'max'.")]
    [InlineData("commit c-1 --cash -5", "--cash: must be 0 or more minor units.")]
    [InlineData("refund", "Give the check id or --operation ID (one of them).")]
    [InlineData("refund c-1 --line l-1:0", "--line 'l-1:0': expected line-id or line-id:qty with qty 1 or more.")]
    [InlineData("receipt", "Give the operation id or --check ID (one of them).")]
    [InlineData("status --timeout 0", "--timeout: 0 is not a number of seconds between 0 and 3600.")]
    [InlineData("events --count 0", "--count: must be 1 or more.")]
    public async Task Run_BadCommandLine_ExitsTwoNamingTheProblem(string commandLine, string expected)
    {
        var args = commandLine.Split(' ');

        var run = await CliRun.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Contains($"Run 'posagent {args[0]} --help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
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
    public async Task UsageError_WithJson_IsAnErrorObjectOnStderr()
    {
        var run = await CliRun.RunAsync("commit", "--json");

        Assert.Equal(2, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.Error.Split('\n')[0]);
        Assert.Equal("USAGE", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("commit", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
