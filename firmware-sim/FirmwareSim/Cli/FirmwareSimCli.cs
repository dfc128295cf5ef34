using System.CommandLine;
using System.Net;
using FirmwareSim.Scenarios;
using FirmwareSim.WebConsole;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FirmwareSim.Cli;

/// <summary>The firmware-sim command line: scanner, printer, lane, run-scenario.</summary>
internal static class FirmwareSimCli
{
    private static readonly Option<string?> ScannerLink = new("--scanner-link") { Description = "Symlink path for the scanner (default: DIR/scanner for a lane, $TMPDIR/firmware-sim/scanner alone)" };
    private static readonly Option<string?> PrinterLink = new("--printer-link") { Description = "Symlink path for the printer (default: DIR/printer for a lane, $TMPDIR/firmware-sim/printer alone)" };
    private static readonly Option<int> ScannerBaud = new("--scanner-baud") { Description = "Scanner line speed; bytes are paced at this rate", DefaultValueFactory = _ => DeviceDefaults.Baud };
    private static readonly Option<int> PrinterBaud = new("--printer-baud") { Description = "Printer line speed; bytes are paced at this rate", DefaultValueFactory = _ => DeviceDefaults.Baud };
    private static readonly Option<ScannerInterface> Interface = new("--interface") { Description = "How the scanner is attached: Serial (a pty), HidKeyboard (evdev key events) or HidPos (HID POS reports); HID scanners write to a FIFO at the scanner link the agent reads as /dev/input/eventN or /dev/hidrawN", DefaultValueFactory = _ => ScannerInterface.Serial };
    private static readonly Option<ScannerSuffix> Suffix = new("--suffix") { Description = "What the scanner sends after each code", DefaultValueFactory = _ => ScannerSuffix.Cr };
    private static readonly Option<bool> Aim = new("--aim") { Description = "Put AIM symbology ids (]E0, ]C0, ]Q1 ...) before each code" };
    private static readonly Option<string> Prefix = new("--prefix") { Description = "A fixed prefix before each code", DefaultValueFactory = _ => string.Empty };
    private static readonly Option<string> DefaultSymbology = new("--symbology") { Description = $"Symbology of a scan that names none: {SymbologyExtensions.Names}", DefaultValueFactory = _ => "ean13" };
    private static readonly Option<bool> NoPacing = new("--no-pacing") { Description = "Move bytes as fast as the pseudo-terminal goes instead of at the baud rate" };
    private static readonly Option<int> TcpPort = new("--tcp-port") { Description = "Raw TCP printing port (0 = any free port)", DefaultValueFactory = _ => DeviceDefaults.PrinterTcpPort };
    private static readonly Option<bool> NoTcp = new("--no-tcp") { Description = "Do not listen on TCP" };
    private static readonly Option<bool> NoSerial = new("--no-serial") { Description = "Printer on TCP only, no pseudo-terminal" };
    private static readonly Option<string> TcpBind = new("--tcp-bind") { Description = "Address the TCP port binds", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<int> Buffer = new("--buffer") { Description = "Printer receive buffer in bytes", DefaultValueFactory = _ => DeviceDefaults.ReceiveBufferSize };
    private static readonly Option<int> Width = new("--width") { Description = "Characters per line on the paper (32, 42, 48 ...)", DefaultValueFactory = _ => DeviceDefaults.CharsPerLine };
    private static readonly Option<string?> Output = new("--output") { Description = "Folder for receipt files (default: DIR/receipts for a lane, ./receipts alone)" };
    private static readonly Option<string?> Dir = new("--dir") { Description = "Folder for the lane's links and receipts (default $TMPDIR/firmware-sim/lane)" };
    private static readonly Option<string?> Control = new("--control") { Description = "Serve the gRPC control API on this Unix socket path or 127.0.0.1 port" };
    private static readonly Option<int?> Web = new("--web") { Description = "Serve the web console on this TCP port (0 = any free port), on 127.0.0.1 unless --web-bind says otherwise" };
    private static readonly Option<string> WebBind = new("--web-bind") { Description = "Address the web console binds; any but a loopback address needs --web-token", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<string?> WebToken = new("--web-token") { Description = "Secret the browser must present (open the console once as .../?token=SECRET); at least 16 characters" };
    private static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Log every scan, status change and receipt at debug detail" };
    private static readonly Option<bool> KeepRunning = new("--keep-running") { Description = "After the scenario, keep the devices up with the prompt until Ctrl+C" };
    private static readonly Argument<FileInfo> ScenarioFile = new("file") { Description = "The scenario file (see docs/firmware-sim.md)" };

    public static RootCommand Create()
    {
        var root = new RootCommand("""
            firmware-sim: simulated barcode scanners and ESC/POS receipt printers on pseudo-terminals and TCP,
            for testing a lane without hardware, reproducing a store's fault, and seeing what a printer would print.
            Start a device or a lane, point the agent at the printed paths, then type codes to scan them and
            commands to inject faults (type help). Ctrl+C stops and removes the device paths.
            """);
        var scanner = new Command("scanner", "Start one scanner on a pseudo-terminal (or a FIFO as a USB HID scanner)") { ScannerLink, Interface, ScannerBaud, Suffix, Aim, Prefix, DefaultSymbology, NoPacing, Control, Web, WebBind, WebToken, Verbose };
        scanner.SetAction((result, ct) => RunAsync(result, ScannerOnly: true, PrinterOnly: false, ct));
        var printer = new Command("printer", "Start one ESC/POS printer on a pseudo-terminal and TCP port 9100") { PrinterLink, PrinterBaud, TcpPort, NoTcp, NoSerial, TcpBind, Buffer, Width, Output, NoPacing, Control, Web, WebBind, WebToken, Verbose };
        printer.SetAction((result, ct) => RunAsync(result, ScannerOnly: false, PrinterOnly: true, ct));
        var lane = new Command("lane", "Start a scanner and a printer together") { Dir, ScannerLink, Interface, PrinterLink, ScannerBaud, PrinterBaud, Suffix, Aim, Prefix, DefaultSymbology, TcpPort, NoTcp, TcpBind, Buffer, Width, Output, NoPacing, Control, Web, WebBind, WebToken, Verbose };
        lane.SetAction((result, ct) => RunAsync(result, ScannerOnly: false, PrinterOnly: false, ct));
        var scenario = new Command("run-scenario", "Start a lane, run a scenario file (scans, waits, faults, expectations), exit 0 if it held") { ScenarioFile, Dir, ScannerLink, PrinterLink, ScannerBaud, PrinterBaud, Suffix, Aim, Prefix, DefaultSymbology, TcpPort, NoTcp, TcpBind, Buffer, Width, Output, NoPacing, Control, Web, WebBind, WebToken, Verbose, KeepRunning };
        scenario.SetAction(RunScenarioAsync);
        root.Subcommands.Add(scanner);
        root.Subcommands.Add(printer);
        root.Subcommands.Add(lane);
        root.Subcommands.Add(scenario);
        return root;
    }

    private static async Task<int> RunAsync(ParseResult result, bool ScannerOnly, bool PrinterOnly, CancellationToken ctrlC)
    {
        using var signals = new ShutdownSignals(ctrlC);
        var cancellationToken = signals.Token;
        await using var host = await StartAsync(result, !PrinterOnly, !ScannerOnly, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return 2;
        }

        await host.RunPromptAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> RunScenarioAsync(ParseResult result, CancellationToken ctrlC)
    {
        using var signals = new ShutdownSignals(ctrlC);
        var cancellationToken = signals.Token;
        var file = result.GetValue(ScenarioFile)!;
        IReadOnlyList<SimCommand> commands;
        try
        {
            commands = SimCommandParser.ParseScenario(await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"firmware-sim: cannot read scenario {file.FullName}: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (SimCommandException ex)
        {
            await Console.Error.WriteLineAsync($"firmware-sim: {file.Name} is not a valid scenario:{Environment.NewLine}{ex.Message}").ConfigureAwait(false);
            return 2;
        }

        await using var host = await StartAsync(result, withScanner: true, withPrinter: true, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return 2;
        }

        try
        {
            await host.Runner.RunScenarioAsync(commands, cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine($"scenario {file.Name}: all {commands.Count} steps done");
        }
        catch (ScenarioFailedException ex)
        {
            await Console.Error.WriteLineAsync($"scenario {file.Name} failed at {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"scenario {file.Name} interrupted").ConfigureAwait(false);
            return 1;
        }

        if (result.GetValue(KeepRunning))
        {
            await host.RunPromptAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Starts the devices (and the control API) from the options; null after printing why it could not.</summary>
    private static async Task<SimHost?> StartAsync(ParseResult result, bool withScanner, bool withPrinter, CancellationToken cancellationToken)
    {
        var loggers = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });

            // Logs go to stderr so stdout carries only the prompt's answers (scriptable).
            b.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            b.AddFilter("Microsoft", LogLevel.Warning);
            b.SetMinimumLevel(result.GetValue(Verbose) ? LogLevel.Debug : LogLevel.Information);
        });
        try
        {
            var lane = withScanner && withPrinter;
            var dir = lane ? Path.GetFullPath(result.GetValue(Dir) ?? DeviceDefaults.LinkPath("lane")) : null;
            SimulatedScanner? scanner = null;
            SimulatedPrinter? printer = null;
            if (withScanner)
            {
                if (!SymbologyExtensions.TryParse(result.GetValue(DefaultSymbology)!, out var symbology))
                {
                    throw new ArgumentException($"--symbology: unknown '{result.GetValue(DefaultSymbology)}'; use {SymbologyExtensions.Names}");
                }

                scanner = SimulatedScanner.Start(
                    new ScannerOptions
                    {
                        LinkPath = result.GetValue(ScannerLink) ?? (dir is null ? null : Path.Combine(dir, "scanner")),
                        Interface = result.GetValue(Interface),
                        Baud = result.GetValue(ScannerBaud),
                        Suffix = result.GetValue(Suffix),
                        AimPrefix = result.GetValue(Aim),
                        Prefix = result.GetValue(Prefix)!,
                        DefaultSymbology = symbology,
                        PaceLine = !result.GetValue(NoPacing),
                    },
                    loggers: loggers);
            }

            if (withPrinter)
            {
                if (!IPAddress.TryParse(result.GetValue(TcpBind), out var bind))
                {
                    throw new ArgumentException($"--tcp-bind: '{result.GetValue(TcpBind)}' is not an IP address");
                }

                try
                {
                    printer = SimulatedPrinter.Start(
                        new PrinterOptions
                        {
                            Serial = !result.GetValue(NoSerial),
                            LinkPath = result.GetValue(PrinterLink) ?? (dir is null ? null : Path.Combine(dir, "printer")),
                            TcpPort = result.GetValue(NoTcp) ? null : result.GetValue(TcpPort),
                            TcpAddress = bind,
                            Baud = result.GetValue(PrinterBaud),
                            ReceiveBufferSize = result.GetValue(Buffer),
                            CharsPerLine = result.GetValue(Width),
                            OutputDirectory = Path.GetFullPath(result.GetValue(Output) ?? (dir is null ? "receipts" : Path.Combine(dir, "receipts"))),
                            PaceLine = !result.GetValue(NoPacing),
                        },
                        loggers: loggers);
                }
                catch
                {
                    if (scanner is not null)
                    {
                        await scanner.DisposeAsync().ConfigureAwait(false);
                    }

                    throw;
                }
            }

            var host = new SimHost(scanner, printer, loggers);
            if (result.GetValue(Control) is { } control)
            {
                try
                {
                    await host.StartControlAsync(control, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await host.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            if (result.GetValue(Web) is { } webPort)
            {
                if (!IPAddress.TryParse(result.GetValue(WebBind), out var webBind))
                {
                    await host.DisposeAsync().ConfigureAwait(false);
                    throw new ArgumentException($"--web-bind: '{result.GetValue(WebBind)}' is not an IP address");
                }

                try
                {
                    await host.StartWebConsoleAsync(
                        new WebConsoleOptions
                        {
                            Address = webBind,
                            Port = webPort,
                            Token = result.GetValue(WebToken),
                            LaneName = dir is null ? (withScanner ? "scanner" : "printer") : Path.GetFileName(dir),
                        },
                        cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await host.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
            else if (result.GetValue(WebToken) is not null || result.GetResult(WebBind) is { Implicit: false })
            {
                await host.DisposeAsync().ConfigureAwait(false);
                throw new ArgumentException("--web-bind and --web-token need --web PORT");
            }

            host.PrintPaths();
            return host;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"firmware-sim: {ex.Message}").ConfigureAwait(false);
            loggers.Dispose();
            return null;
        }
    }
}
