using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PosAgent.Hosting;

namespace PosAgent.Agent;

/// <summary>The <c>posagent-agent</c> command line: <c>run</c> (the agent) and <c>check-config</c>.</summary>
public static class AgentCommandLine
{
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

        // Any other setting may be given as --Name=value or --Section:Name=value (e.g. --Sync:BatchSize=50).
        run.TreatUnmatchedTokensAsErrors = false;
        check.TreatUnmatchedTokensAsErrors = false;

        run.SetAction(async (parse, _) =>
        {
            IConfigurationRoot configuration;
            AgentOptions bound;
            try
            {
                (configuration, bound) = AgentConfiguration.Load(parse.GetValue(config)?.FullName, args);
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.ConfigurationInvalid;
            }

            // The host owns Ctrl+C and SIGTERM from its start on (the console or systemd lifetime).
            var app = AgentHost.CreateProgram(configuration, parse.GetValue(logLevel), bound.ShutdownTimeout);
            await using (app.ConfigureAwait(false))
            {
                try
                {
                    await app.StartAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (OptionsValidationException ex)
                {
                    await Console.Error.WriteLineAsync(AgentOptions.Describe(ex.Failures)).ConfigureAwait(false);
                    return ExitCodes.ConfigurationInvalid;
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
                {
                    // A start-up problem the operator can act on (its message names the file or the setting): no stack trace.
                    await Console.Error.WriteLineAsync($"posagent-agent cannot start: {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.StartFailed;
                }

                // One machine-readable line for supervisors and tests: the agent is accepting calls.
                var (socket, tcp) = AgentHost.EndpointsOf(app);
                Console.Out.WriteLine($"posagent-agent ready socket={socket ?? "-"} tcp={tcp ?? "-"} pid={Environment.ProcessId}");
                Console.Out.Flush();
                await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
        });

        check.SetAction(parse =>
        {
            try
            {
                var (configuration, options) = AgentConfiguration.Load(parse.GetValue(config)?.FullName, args);
                options.Validate();
                Console.Out.WriteLine(ConfigPrinter.Print(options));
                Console.Out.WriteLine(ConfigPrinter.PrintSources(configuration));
                return ExitCodes.Ok;
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return ExitCodes.ConfigurationInvalid;
            }
        });

        var root = new RootCommand("posagent-agent: the loyalty agent of one checkout terminal (local API, outbox, sync, devices)") { run, check };
        // No termination handling of System.CommandLine's own: the host stops on SIGTERM within ShutdownTimeout.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }
}

/// <summary>Where the agent's settings come from, and the names its flags and variables have always had.</summary>
internal static class AgentConfiguration
{
    public const string EnvironmentPrefix = "POSAGENT_";

    public static ProgramConfigurationSpec Spec(string? jsonFile, IReadOnlyList<string> args) => new()
    {
        JsonFile = jsonFile,
        EnvironmentPrefix = EnvironmentPrefix,
        LegacyEnvironment = new Dictionary<string, string> { ["POSAGENT_CENTRAL_TOKEN"] = nameof(AgentOptions.CentralToken) },
        Args = args,
        SwitchMappings = new Dictionary<string, string>
        {
            ["--terminal-id"] = nameof(AgentOptions.TerminalId),
            ["--store-id"] = nameof(AgentOptions.StoreId),
            ["--data-dir"] = nameof(AgentOptions.DataDirectory),
            ["--socket"] = nameof(AgentOptions.SocketPath),
            ["--tcp-port"] = nameof(AgentOptions.TcpPort),
            ["--central"] = nameof(AgentOptions.CentralAddress),
            ["--token"] = nameof(AgentOptions.CentralToken),
            ["--programs"] = nameof(AgentOptions.ProgramsDirectory),
            ["--scanner"] = "Devices:" + nameof(DeviceOptions.ScannerPath),
            ["--printer"] = "Devices:" + nameof(DeviceOptions.PrinterPath),
            ["--metrics-port"] = "Telemetry:" + nameof(AgentTelemetryOptions.MetricsPort),
            ["--otlp-endpoint"] = "Telemetry:" + nameof(AgentTelemetryOptions.OtlpEndpoint),
        },
        SettingNames = SettingNames,
    };

    /// <summary>The top-level settings (the writable properties of <see cref="AgentOptions"/>).</summary>
    public static IReadOnlyCollection<string> SettingNames { get; } = typeof(AgentOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToArray();

    /// <summary>
    /// The configuration (file, POSAGENT_ variables, flags) and the options bound from it, not yet
    /// validated. A missing or malformed file, or a value that is not of its setting's type, is an
    /// <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static (IConfigurationRoot Configuration, AgentOptions Options) Load(string? jsonFile, IReadOnlyList<string> args)
    {
        try
        {
            var configuration = ProgramConfiguration.Build(Spec(jsonFile, args));
            return (configuration, configuration.Get<AgentOptions>() ?? new AgentOptions());
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new ArgumentException("Invalid agent configuration:" + Environment.NewLine + "  " + (ex.InnerException is { } inner ? ex.Message + " " + inner.Message : ex.Message), ex);
        }
    }
}
