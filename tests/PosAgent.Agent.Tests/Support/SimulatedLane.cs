using FirmwareSim;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Support;

/// <summary>
/// The simulator's scanner (9600 baud, Code 128) and receipt printer (115200 baud, 42 columns) on
/// real pseudo-terminals in a test folder of its own (the agent's data goes there too), and the
/// agent settings that point at them.
/// </summary>
public sealed class SimulatedLane : IAsyncDisposable
{
    public SimulatedLane()
    {
        Scanner = SimulatedScanner.Start(new ScannerOptions { LinkPath = Directory.File("scanner"), Baud = 9600, DefaultSymbology = Symbology.Code128 });
        Printer = SimulatedPrinter.Start(new PrinterOptions { LinkPath = Directory.File("printer"), Baud = 115200, CharsPerLine = 42 });
    }

    public TempDirectory Directory { get; } = new();

    public SimulatedScanner Scanner { get; }

    public SimulatedPrinter Printer { get; }

    public void Configure(AgentOptions options)
    {
        options.Devices.ScannerPath = Scanner.LinkPath;
        options.Devices.PrinterPath = Printer.LinkPath;
        options.Devices.PrinterBaud = 115200;
    }

    public async ValueTask DisposeAsync()
    {
        await Scanner.DisposeAsync();
        await Printer.DisposeAsync();
        Directory.Dispose();
    }
}

/// <summary>
/// Tests that watch the simulator's devices answer in time (status polls every second, a reply
/// within one) run on their own, after the parallel classes: on two cores shared with the rest of
/// the suite a status reply could miss its deadline and the printer would be reported lost
/// instead of out of paper (seen once in a full run).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeviceTimingCollection
{
    public const string Name = "device timing";
}
