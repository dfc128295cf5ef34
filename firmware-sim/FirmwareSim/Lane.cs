using Microsoft.Extensions.Logging;

namespace FirmwareSim;

/// <summary>Settings of a <see cref="Lane"/>: a scanner and a printer side by side.</summary>
public sealed class LaneOptions
{
    /// <summary>
    /// Folder for the lane's links (DIR/scanner, DIR/printer) and receipts (DIR/receipts), used where
    /// the device options do not set their own. Default $TMPDIR/firmware-sim/lane.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>The scanner's settings.</summary>
    public ScannerOptions Scanner { get; set; } = new();

    /// <summary>The printer's settings.</summary>
    public PrinterOptions Printer { get; set; } = new();

    internal string ResolvedDirectory => Directory ?? DeviceDefaults.LinkPath("lane");
}

/// <summary>A checkout lane without hardware: a <see cref="SimulatedScanner"/> and a <see cref="SimulatedPrinter"/>.</summary>
public sealed class Lane : IAsyncDisposable
{
    private Lane(SimulatedScanner scanner, SimulatedPrinter printer, string directory)
    {
        Scanner = scanner;
        Printer = printer;
        Directory = directory;
    }

    /// <summary>The lane's scanner.</summary>
    public SimulatedScanner Scanner { get; }

    /// <summary>The lane's printer.</summary>
    public SimulatedPrinter Printer { get; }

    /// <summary>The folder holding the links and receipts.</summary>
    public string Directory { get; }

    /// <summary>Starts both devices; if the printer fails to start the scanner is stopped again.</summary>
    public static async Task<Lane> StartAsync(LaneOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = Path.GetFullPath(options.ResolvedDirectory);
        options.Scanner.LinkPath ??= Path.Combine(dir, options.Scanner.Name);
        options.Printer.LinkPath ??= Path.Combine(dir, options.Printer.Name);
        options.Printer.OutputDirectory ??= Path.Combine(dir, "receipts");
        var scanner = SimulatedScanner.Start(options.Scanner, time, loggers);
        try
        {
            var printer = SimulatedPrinter.Start(options.Printer, time, loggers);
            return new Lane(scanner, printer, dir);
        }
        catch
        {
            await scanner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops both devices and removes their links.</summary>
    public async ValueTask DisposeAsync()
    {
        await Scanner.DisposeAsync().ConfigureAwait(false);
        await Printer.DisposeAsync().ConfigureAwait(false);
    }
}
