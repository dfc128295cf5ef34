using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using PosAgent.Contracts.FirmwareSim.V1;
using PosAgent.Hosting;
using Spectre.Console;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>
/// scan: a barcode read by the lane's simulated scanner, through firmware-sim's control API
/// (the agent then sees it exactly as from a real scanner: attaches a card, sends a ScanEvent).
/// </summary>
internal static class ScanCommand
{
    public const string SimulatorVariable = "POSAGENT_SIM";

    /// <summary>Where ./run.sh serves the simulator's control API.</summary>
    public const string DemoControlSocket = "var/sim/control.sock";

    public static IEnumerable<Command> Create(GlobalOptions options, CliConsole console)
    {
        var code = new Argument<string>("code") { Description = "The code to scan, e.g. a loyalty card number." };
        var symbology = new Option<string?>("--symbology") { Description = "ean13, ean8, upca, code128, gs1-128, code39, itf, qr, datamatrix, gs1-datamatrix. Default: the scanner's.", HelpName = "name" };
        var sim = new Option<string?>("--sim")
        {
            Description = $"firmware-sim's control API: a Unix socket path or a 127.0.0.1 port (firmware-sim --control). Default: ${SimulatorVariable}, else {DemoControlSocket} (./run.sh) if it exists.",
            HelpName = "endpoint",
        };
        var command = new Command("scan", "Scans a code on the lane's simulated scanner (firmware-sim), as a cashier would.") { code, symbology, sim };
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            var endpoint = context.Parse.GetValue(sim) ?? context.Console.Environment(SimulatorVariable);
            if (string.IsNullOrEmpty(endpoint))
            {
                endpoint = File.Exists(DemoControlSocket) ? Path.GetFullPath(DemoControlSocket) : null;
            }

            if (endpoint is null)
            {
                throw new CliException(CliException.UsageExitCode, "NO_SIMULATOR",
                    $"No simulator is configured: scan works through firmware-sim's control API. Start one with 'firmware-sim lane --control PATH' " +
                    $"(./run.sh starts one at {DemoControlSocket}) and give --sim PATH or set ${SimulatorVariable}. A real scanner needs no command: just scan.");
            }

            var isPort = int.TryParse(endpoint, NumberStyles.None, CultureInfo.InvariantCulture, out var port);
            var described = isPort ? $"127.0.0.1:{port}" : $"unix socket {Path.GetFullPath(endpoint)}";
            using var channel = isPort ? GrpcChannels.ForAddress($"http://127.0.0.1:{port}") : GrpcChannels.ForUnixSocket(endpoint);
            var simulator = new SimulatorControl.SimulatorControlClient(channel);
            ScanReply reply;
            try
            {
                reply = await simulator.ScanAsync(new ScanRequest { Code = context.Parse.GetValue(code)!, Symbology = context.Parse.GetValue(symbology) ?? string.Empty },
                    deadline: DateTime.UtcNow + context.Timeout, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.InnerException is not null)
            {
                throw new CliException(CliException.UnreachableExitCode, "SIMULATOR_UNREACHABLE",
                    $"Cannot reach the simulator's control API at {described}: {ex.Status.Detail}. Is firmware-sim (or ./run.sh) running with --control?", ex);
            }
            catch (RpcException ex)
            {
                throw new CliException(CliException.CallFailedExitCode, StatusNames.Of(ex.StatusCode), "simulator: " + ex.Status.Detail, ex);
            }

            if (context.Json)
            {
                context.WriteJson(reply);
            }
            else
            {
                context.Out.WriteLine($"scanned {context.Parse.GetValue(code)} on the simulated scanner ({reply.Frame.Length} bytes{(reply.Garbled ? ", garbled: the agent's baud differs from the scanner's" : string.Empty)}); see 'posagent events'");
            }

            return 0;
        });
        yield return command;
    }
}
