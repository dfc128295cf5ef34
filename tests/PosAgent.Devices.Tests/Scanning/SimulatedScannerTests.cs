using PosAgent.Devices.Scanning;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Tests.Scanning;

/// <summary>
/// The scanner driver against firmware-sim's scanner: paced bytes, its faults, its framing options;
/// run once per serial driver (<see cref="SimulatedScannerTermiosTests"/>, <see cref="SimulatedScannerSerialPortTests"/>).
/// </summary>
public abstract class SimulatedScannerTests(SerialDriver driver) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-sscan-");
    private readonly EventRecorder _events = new();
    private Sim.SimulatedScanner? _sim;
    private BarcodeScanner? _driver;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _driver?.Dispose();
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        _dir.Dispose();
    }

    private async Task<Sim.SimulatedScanner> Start(
        int simBaud = 9600,
        int driverBaud = 9600,
        Sim.ScannerSuffix simSuffix = Sim.ScannerSuffix.Cr,
        ScannerSuffix suffix = ScannerSuffix.Cr,
        string prefix = "")
    {
        _sim = Sim.SimulatedScanner.Start(new Sim.ScannerOptions
        {
            LinkPath = _dir.File("scanner"),
            Baud = simBaud,
            AimPrefix = true,
            Suffix = simSuffix,
            Prefix = prefix,
        });
        _driver = new BarcodeScanner(new ScannerOptions
        {
            Name = "sim-lane",
            Transport = new TransportOptions { Path = _sim.LinkPath, Baud = driverBaud, SerialDriver = driver },
            Suffix = suffix,
            Prefix = prefix,
            // Generous: on a loaded machine the simulator's paced writes can pause mid-frame for hundreds of ms.
            PartialFrameTimeout = TimeSpan.FromSeconds(1),
            CardFormats = { new LoyaltyCardFormat { Name = "INV-KZ", Length = 13, Prefixes = ["29"], CheckDigit = CardCheckDigit.Ean13 } },
        });
        _driver.EventRaised += _events.Add;
        _driver.Start();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected);
        return _sim;
    }

    [Theory]
    [InlineData("4006381333931", Sim.Symbology.Ean13, Symbology.Ean13)]
    [InlineData("96385074", Sim.Symbology.Ean8, Symbology.Ean8)]
    [InlineData("ABC-123", Sim.Symbology.Code128, Symbology.Code128)]
    [InlineData("https://example.org/q", Sim.Symbology.Qr, Symbology.Qr)]
    [InlineData("DM-1", Sim.Symbology.DataMatrix, Symbology.DataMatrix)]
    public async Task Scan_EachSymbology_ReportedWithAimDecoded(string code, Sim.Symbology simSymbology, Symbology expected)
    {
        var sim = await Start();

        await sim.ScanAsync(code, simSymbology).WithTimeout();
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal((expected, code, ScanKind.Product), (scan.Symbology, scan.Data, scan.Kind));
    }

    [Fact]
    public async Task Scan_CardNumberInEan13_ReportedAsLoyaltyCard()
    {
        var sim = await Start(simSuffix: Sim.ScannerSuffix.CrLf, suffix: ScannerSuffix.CrLf, prefix: "#");

        await sim.ScanAsync("2900000000018", Sim.Symbology.Ean13).WithTimeout();
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal((ScanKind.LoyaltyCard, "INV-KZ"), (scan.Kind, scan.CardFormat));
    }

    [Fact]
    public async Task Scan_PartialFrame_ErrorThenNextScanWorks()
    {
        var sim = await Start();

        await sim.SendPartialAsync("4006381333931", 6, Sim.Symbology.Ean13).WithTimeout();
        var error = await _events.Next<ScanErrorEvent>();
        await sim.ScanAsync("96385074", Sim.Symbology.Ean8).WithTimeout();
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal(ScanErrorReason.PartialFrame, error.Reason);
        Assert.Equal("96385074", scan.Data);
    }

    [Fact]
    public async Task Scan_GarbageBytes_ErrorThenNextScanWorks()
    {
        var sim = await Start();

        await sim.SendRawAsync(new byte[] { 0x00, 0xFF, 0x80, 0x0D }).WithTimeout();
        var error = await _events.Next<ScanErrorEvent>();
        await sim.ScanAsync("4006381333931", Sim.Symbology.Ean13).WithTimeout();

        Assert.Equal(ScanErrorReason.Garbage, error.Reason);
        Assert.Contains("0x00 at offset 0", error.Detail, StringComparison.Ordinal);
        Assert.Equal("4006381333931", (await _events.Next<ScanEvent>()).Data);
    }

    [Fact]
    public async Task Scan_DriverBaudDiffersFromScanner_ReportsNonAsciiNotACrash()
    {
        var sim = await Start(simBaud: 9600, driverBaud: 19200);

        await sim.ScanAsync("4006381333931", Sim.Symbology.Ean13).WithTimeout();
        var error = await _events.Next<ScanErrorEvent>();

        Assert.True(error.Reason is ScanErrorReason.NonAscii or ScanErrorReason.PartialFrame or ScanErrorReason.OverLong, error.ToString());
        Assert.Empty(_events.Drain<ScanEvent>());
    }

    [Fact]
    public async Task Unplug_Replug_ResumesWithinTwoSeconds()
    {
        var sim = await Start();

        sim.Unplug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Disconnected);
        sim.Replug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, TimeSpan.FromSeconds(2));
        await sim.ScanAsync("4006381333931", Sim.Symbology.Ean13).WithTimeout();

        Assert.Equal("4006381333931", (await _events.Next<ScanEvent>()).Data);
    }
}

/// <summary>The simulated-scanner tests over the own termios transport (the Linux default).</summary>
public sealed class SimulatedScannerTermiosTests() : SimulatedScannerTests(SerialDriver.Termios);

/// <summary>The simulated-scanner tests over System.IO.Ports (the Windows default).</summary>
public sealed class SimulatedScannerSerialPortTests() : SimulatedScannerTests(SerialDriver.SerialPort);
