using FirmwareSim;
using FirmwareSim.Control;
using Microsoft.Extensions.Logging;
using PosAgent.Agent;
using PosAgent.Central;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Demo.Internal;

/// <summary>Starts central + simulated lane + agent, runs the demo checkout, waits, cleans up.</summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(DemoOptions options, TextWriter output, CancellationToken stop)
    {
        var root = Path.GetFullPath(options.StateDirectory);
        var centralDir = Path.Combine(root, "central");
        var agentDir = Path.Combine(root, "agent");
        var simDir = Path.Combine(root, "sim");
        foreach (var dir in new[] { centralDir, agentDir, simDir })
        {
            Directory.CreateDirectory(dir);
        }

        // The parts log warnings and errors to stderr; stdout is the demo's story.
        using var loggers = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= LogLevel.Warning));
        var programs = Path.GetFullPath(options.ProgramsDirectory!);

        await output.WriteLineAsync($"posagent demo: state in {root} (delete it to start fresh)").ConfigureAwait(false);
        var token = await DemoSeed.SeedAsync(centralDir, programs, stop).ConfigureAwait(false);

        var centralOptions = new CentralOptions { StateDirectory = centralDir, ProgramsDirectory = programs };
        centralOptions.Urls.Add("http://127.0.0.1:0");
        await using var central = await CentralServer.StartAsync(centralOptions, loggerFactory: loggers, cancellationToken: stop).ConfigureAwait(false);
        var centralAddress = central.Addresses[0];

        var laneOptions = new LaneOptions { Directory = simDir };
        await using var lane = await Lane.StartAsync(laneOptions, loggers: loggers).ConfigureAwait(false);
        var controlSocket = Path.Combine(simDir, "control.sock");
        await using var control = await ControlServer.StartAsync(controlSocket, lane.Scanner, lane.Printer, loggers, stop).ConfigureAwait(false);

        var agentOptions = new AgentOptions
        {
            TerminalId = DemoSeed.TerminalId,
            StoreId = DemoSeed.StoreId,
            DataDirectory = agentDir,
            CentralAddress = centralAddress,
            CentralToken = token,
            ProgramsDirectory = programs,
        };
        agentOptions.Devices.ScannerPath = lane.Scanner.LinkPath;
        agentOptions.Devices.ScannerBaud = laneOptions.Scanner.Baud;
        agentOptions.Devices.PrinterPath = lane.Printer.LinkPath;
        agentOptions.Devices.PrinterBaud = laneOptions.Printer.Baud;
        // The demo store is in Kazakhstan (INV-KZ): its receipts print in Russian, the program's default.
        agentOptions.Devices.ReceiptHeader = "INVITRO (demo)";
        agentOptions.Devices.StoreAddress = "Алматы, пр. Абая, 10";
        agentOptions.Devices.StoreTaxId = "990140000123";
        await using var agent = await AgentHost.StartAsync(agentOptions, loggers, stop).ConfigureAwait(false);

        await WriteWhereAsync(output, central, centralDir, agent, lane, controlSocket).ConfigureAwait(false);

        using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);
        var ok = await DemoCheckout.RunAsync(client, lane, output, options.StepTimeout, stop).ConfigureAwait(false);
        if (options.Once || !ok)
        {
            await output.WriteLineAsync(ok ? "demo checkout done; stopping (--once)" : "demo checkout FAILED; stopping").ConfigureAwait(false);
            return ok ? 0 : 1;
        }

        await output.WriteLineAsync($"""

            Running. Try, in another terminal (from this folder):
              export POSAGENT_SOCKET={agent.SocketPath}
              dotnet src/PosAgent.Cli/bin/Release/net10.0/posagent.dll status
              dotnet src/PosAgent.Cli/bin/Release/net10.0/posagent.dll balance {DemoSeed.Members[1].Card}
              dotnet src/PosAgent.Cli/bin/Release/net10.0/posagent.dll open --line lab:250000:1:Ferritin --card {DemoSeed.Members[1].Card}
              dotnet src/PosAgent.Cli/bin/Release/net10.0/posagent.dll scan {DemoSeed.Members[1].Card}   (through the simulator)
            Receipts appear in {Path.Combine(lane.Directory, "receipts")}.
            Ctrl+C stops everything and removes the sockets and device links.
            """).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await output.WriteLineAsync("stopping: agent, simulator, central service...").ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task WriteWhereAsync(TextWriter output, CentralServer central, string centralDir, AgentHost agent, Lane lane, string controlSocket)
    {
        var members = string.Join(Environment.NewLine, DemoSeed.Members.Select(m => $"    {m.Card}  {m.Name} (INV-KZ)"));
        await output.WriteLineAsync($"""

            Everything is running:
              central service   {string.Join(", ", central.Addresses)}   (SQLite: {Path.Combine(centralDir, "central.db")})
              agent local API   unix socket {agent.SocketPath}   (SQLite: {agent.Options.DatabasePath})
              scanner           {lane.Scanner.LinkPath} -> {lane.Scanner.DevicePath}
              printer           {lane.Printer.LinkPath} -> {lane.Printer.DevicePath}
              receipts          {Path.Combine(lane.Directory, "receipts")} (.txt and .html per receipt)
              simulator control unix socket {controlSocket}
              demo cards
            {members}
            """).ConfigureAwait(false);
    }
}
