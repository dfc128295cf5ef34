using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PosAgent.Hosting;

namespace PosAgent.Agent;

/// <summary>The <c>posagent-agent</c> command line: <c>run</c> (the agent) and <c>check-config</c>.</summary>
public static class AgentCommandLine
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "JSON configuration file (see docs/agent.md); flags override it" };
        var terminal = new Option<string?>("--terminal-id") { Description = "This terminal's id (default terminal-1)" };
        var store = new Option<string?>("--store-id") { Description = "The store's id (default store-1)" };
        var data = new Option<string?>("--data-dir") { Description = "Folder of the database and receipts (default ./posagent-data)" };
        var socket = new Option<string?>("--socket") { Description = "Unix socket of the local API (default <data-dir>/agent.sock; \"\" for none)" };
        var tcpPort = new Option<int?>("--tcp-port") { Description = "Also listen on loopback TCP at this port (0: any free port)" };
        var central = new Option<string?>("--central") { Description = "Address of the central service, e.g. http://127.0.0.1:7080" };
        var token = new Option<string?>("--token") { Description = "This terminal's token for the central service (or env POSAGENT_CENTRAL_TOKEN)" };
        var programs = new Option<string?>("--programs") { Description = "Folder of program files used until the central service sends its own" };
        var scanner = new Option<string?>("--scanner") { Description = "Serial device of the barcode scanner" };
        var printer = new Option<string?>("--printer") { Description = "Receipt printer: serial/USB device path or tcp://host:9100" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics on http://127.0.0.1:PORT/metrics (loopback only; default off)" };
        var otlpEndpoint = new Option<Uri?>("--otlp-endpoint") { Description = "Send metrics and traces to this OTLP/gRPC collector, e.g. http://127.0.0.1:4317 (default off)" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Trace, Debug, Information, Warning, Error", DefaultValueFactory = _ => LogLevel.Information };

        var run = new Command("run", "Run the agent until Ctrl+C or SIGTERM");
        var check = new Command("check-config", "Validate the configuration and print it");
        foreach (var command in new[] { run, check })
        {
            foreach (var option in new Option[] { config, terminal, store, data, socket, tcpPort, central, token, programs, scanner, printer, metricsPort, otlpEndpoint, logLevel })
            {
                command.Options.Add(option);
            }
        }

        AgentOptions Build(ParseResult parse)
        {
            var file = parse.GetValue(config);
            var options = file is null
                ? new AgentOptions()
                : JsonSerializer.Deserialize<AgentOptions>(File.ReadAllText(file.FullName), JsonOptions) ?? new AgentOptions();
            options.TerminalId = parse.GetValue(terminal) ?? options.TerminalId;
            options.StoreId = parse.GetValue(store) ?? options.StoreId;
            options.DataDirectory = parse.GetValue(data) ?? options.DataDirectory;
            options.SocketPath = parse.GetValue(socket) ?? options.SocketPath;
            options.TcpPort = parse.GetValue(tcpPort) ?? options.TcpPort;
            options.CentralAddress = parse.GetValue(central) ?? options.CentralAddress;
            options.CentralToken = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("POSAGENT_CENTRAL_TOKEN") ?? options.CentralToken;
            options.ProgramsDirectory = parse.GetValue(programs) ?? options.ProgramsDirectory;
            options.Devices.ScannerPath = parse.GetValue(scanner) ?? options.Devices.ScannerPath;
            options.Devices.PrinterPath = parse.GetValue(printer) ?? options.Devices.PrinterPath;
            options.Telemetry.MetricsPort = parse.GetValue(metricsPort) ?? options.Telemetry.MetricsPort;
            options.Telemetry.OtlpEndpoint = parse.GetValue(otlpEndpoint) ?? options.Telemetry.OtlpEndpoint;
            return options;
        }

        run.SetAction(async (parse, cancellationToken) =>
        {
            AgentOptions options;
            try
            {
                options = Build(parse);
                options.Validate();
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException or IOException)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 2;
            }

            // From here on SIGTERM stops the agent cleanly, even while it starts.
            using var shutdown = EmbeddedHosting.ListenForShutdown(cancellationToken);
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.UseUtcTimestamp = true;
                })
                .SetProgramLogLevel(parse.GetValue(logLevel)));
            AgentHost host;
            try
            {
                host = await AgentHost.StartAsync(options, loggerFactory, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // A start-up problem the operator can act on (its message names the file or the setting): no stack trace.
                await Console.Error.WriteLineAsync($"posagent-agent cannot start: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            await using var started = host;
            // One machine-readable line for supervisors and tests: the agent is accepting calls.
            Console.Out.WriteLine($"posagent-agent ready socket={host.SocketPath ?? "-"} tcp={host.TcpAddress ?? "-"} pid={Environment.ProcessId}");
            Console.Out.Flush();
            await shutdown.WaitAsync().ConfigureAwait(false);

            return 0;
        });

        check.SetAction(parse =>
        {
            try
            {
                var options = Build(parse);
                options.Validate();
                Console.Out.WriteLine(ConfigPrinter.Print(options));
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException or IOException)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });

        var root = new RootCommand("posagent-agent: the loyalty agent of one checkout terminal (local API, outbox, sync, devices)") { run, check };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
