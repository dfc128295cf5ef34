using FirmwareSim.Control;
using FirmwareSim.Scenarios;
using FirmwareSim.WebConsole;
using Microsoft.Extensions.Logging;

namespace FirmwareSim.Cli;

/// <summary>The running devices of one firmware-sim process, its prompt and its control API.</summary>
internal sealed class SimHost(SimulatedScanner? scanner, SimulatedPrinter? printer, ILoggerFactory loggers) : IAsyncDisposable
{
    private ControlServer? _control;
    private WebConsoleServer? _web;
    private bool _webToken;

    public SimCommandRunner Runner { get; } = new(scanner, printer, Console.Out);

    public async Task StartControlAsync(string endpoint, CancellationToken cancellationToken) =>
        _control = await ControlServer.StartAsync(endpoint, scanner, printer, loggers, cancellationToken).ConfigureAwait(false);

    public async Task StartWebConsoleAsync(WebConsoleOptions options, CancellationToken cancellationToken)
    {
        _web = await WebConsoleServer.StartAsync(options, scanner, printer, loggers, cancellationToken).ConfigureAwait(false);
        _webToken = !string.IsNullOrEmpty(options.Token);
    }

    public void PrintPaths()
    {
        if (scanner is not null)
        {
            Console.Out.WriteLine($"scanner: {scanner.LinkPath} ({scanner.DevicePath}, {scanner.Options.Baud} baud)");
        }

        if (printer is not null)
        {
            if (printer.LinkPath is { } link)
            {
                Console.Out.WriteLine($"printer: {link} ({printer.DevicePath}, {printer.Options.Baud} baud)");
            }

            if (printer.TcpEndPoint is { } tcp)
            {
                Console.Out.WriteLine($"printer: tcp {tcp}");
            }

            Console.Out.WriteLine($"receipts: {printer.Options.OutputDirectory}");
        }

        if (_control is not null)
        {
            Console.Out.WriteLine($"control: {_control.Address}");
        }

        if (_web is not null)
        {
            Console.Out.WriteLine(_webToken ? $"console: {_web.Address}?token=(your --web-token)" : $"console: {_web.Address}");
        }

        Console.Out.WriteLine("Type a code to scan it, help for commands; Ctrl+C stops.");
    }

    /// <summary>Reads commands until quit, end of input followed by Ctrl+C, or Ctrl+C.</summary>
    public async Task RunPromptAsync(CancellationToken cancellationToken)
    {
        var interactive = !Console.IsInputRedirected;
        var input = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!input)
            {
                // stdin closed (a service, a script): keep the devices up until Ctrl+C / SIGTERM.
                await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                return;
            }

            if (interactive)
            {
                Console.Out.Write("> ");
            }

            // Console reads cannot be cancelled; the read runs aside and Ctrl+C ends the wait.
            var read = Task.Run(Console.In.ReadLine, CancellationToken.None);
            var finished = await Task.WhenAny(read, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
            if (finished != read)
            {
                return;
            }

            var line = await read.ConfigureAwait(false);
            if (line is null)
            {
                input = false;
                continue;
            }

            try
            {
                if (SimCommandParser.Parse(line) is { } command && !await Runner.ExecuteAsync(command, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (SimCommandException ex)
            {
                Console.Out.WriteLine(ex.Message);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or TimeoutException)
            {
                Console.Out.WriteLine($"error: {ex.Message}");
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.DisposeAsync().ConfigureAwait(false);
        }

        if (_control is not null)
        {
            await _control.DisposeAsync().ConfigureAwait(false);
        }

        if (scanner is not null)
        {
            await scanner.DisposeAsync().ConfigureAwait(false);
        }

        if (printer is not null)
        {
            await printer.DisposeAsync().ConfigureAwait(false);
        }

        loggers.Dispose();
    }
}
