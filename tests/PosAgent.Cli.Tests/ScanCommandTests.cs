using System.Text.Json;
using FirmwareSim;
using FirmwareSim.Control;
using PosAgent.Agent;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Cli.Tests;

/// <summary>posagent scan: through firmware-sim's control API to the real agent's scanner driver.</summary>
public sealed class ScanCommandTests
{
    [Fact]
    public async Task Scan_NoSimulatorConfigured_SaysHowToGetOne()
    {
        var run = await CliRun.RunAsync("scan", RealAgent.Card);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("posagent: NO_SIMULATOR: No simulator is configured", run.Error, StringComparison.Ordinal);
        Assert.Contains("--sim PATH", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_SimulatorNotRunning_NamesTheSocket()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync(new Dictionary<string, string> { ["POSAGENT_SIM"] = dir.File("control.sock") }, "scan", RealAgent.Card);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"SIMULATOR_UNREACHABLE: Cannot reach the simulator's control API at unix socket {dir.File("control.sock")}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_CardOnTheLane_TheAgentAttachesItToTheOpenCheck()
    {
        using var dir = new TempDirectory();
        await using var lane = await Lane.StartAsync(new LaneOptions { Directory = dir.File("sim") });
        await using var control = await ControlServer.StartAsync(dir.File("control.sock"), lane.Scanner, lane.Printer);
        var options = new AgentOptions { DataDirectory = dir.File("agent"), ProgramsDirectory = Path.Combine(RealAgent.RepoRoot, "programs") };
        options.Devices.ScannerPath = lane.Scanner.LinkPath;
        await using var agent = await AgentHost.StartAsync(options).WithTimeout();
        using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);
        await Until(async () => (await client.GetStatusAsync()).Devices.Any(d => d.Kind == DeviceKind.Scanner && d.State == DeviceState.Connected)).WithTimeout();
        var open = await CliRun.RunAsync("--json", "--socket", agent.SocketPath!, "open", "--line", "lab:100000");
        using var check = JsonDocument.Parse(open.Output);
        var checkId = check.RootElement.GetProperty("checkId").GetString()!;

        var run = await CliRun.RunAsync("scan", RealAgent.Card, "--sim", dir.File("control.sock"));

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"scanned {RealAgent.Card} on the simulated scanner (14 bytes)", run.Output, StringComparison.Ordinal);
        await Until(async () => (await client.GetCheckAsync(new GetCheckRequest { CheckId = checkId })).Card is { MaskedNumber: "****0014" }).WithTimeout();
    }

    /// <summary>Re-reads the agent's state until the condition holds (bounded by the caller's WithTimeout).</summary>
    private static async Task Until(Func<Task<bool>> condition)
    {
        while (!await condition())
        {
            await Task.Delay(50);
        }
    }
}
