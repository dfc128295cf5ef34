using System.Text.Json;

namespace PosAgent.Cli.Tests;

/// <summary>No agent where the CLI looks: the message says which socket was tried and what to do (exit code 3).</summary>
public sealed class UnreachableAgentTests
{
    [Fact]
    public async Task Status_NoSocketFile_NamesTheSocketTried()
    {
        using var dir = new TempDirectory();
        var socket = dir.File("agent.sock");

        var run = await CliRun.RunAsync("status", "--socket", socket);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"posagent: AGENT_UNREACHABLE: Cannot reach the agent at unix socket {socket}: there is no such socket file.", run.Error, StringComparison.Ordinal);
        Assert.Contains("Is posagent-agent running?", run.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task Status_SocketFileWithNobodyListening_SaysTheConnectionWasRefused()
    {
        using var dir = new TempDirectory();
        var socket = dir.File("agent.sock");
        // A file where the socket should be, nobody accepting on it (as after an agent crashed).
        await File.WriteAllTextAsync(socket, string.Empty);

        var run = await CliRun.RunAsync("status", "--socket", socket);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"Cannot reach the agent at unix socket {socket}: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no such socket file", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_SocketFromEnvironment_IsTheOneTried()
    {
        using var dir = new TempDirectory();
        var socket = dir.File("from-env.sock");

        var run = await CliRun.RunAsync(new Dictionary<string, string> { ["POSAGENT_SOCKET"] = socket }, "status");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"unix socket {socket}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_NoSocketGiven_ListsTheWellKnownPathsTried()
    {
        var run = await CliRun.RunAsync("ping");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("No socket was given, so these were tried: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("/run/posagent/agent.sock", run.Error, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath("posagent-data/agent.sock"), run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Json_WritesAnErrorObjectWithTheCode()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync("status", "--json", "--socket", dir.File("agent.sock"));

        Assert.Equal(3, run.ExitCode);
        using var json = JsonDocument.Parse(run.Error);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("AGENT_UNREACHABLE", error.GetProperty("code").GetString());
        Assert.Contains(dir.File("agent.sock"), error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Output);
    }

    [Fact]
    public async Task Status_AddressNotHttp_IsAUsageError()
    {
        var run = await CliRun.RunAsync("status", "--address", "ftp://127.0.0.1:21");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--address: 'ftp://127.0.0.1:21' is not an http://host:port address", run.Error, StringComparison.Ordinal);
    }
}
