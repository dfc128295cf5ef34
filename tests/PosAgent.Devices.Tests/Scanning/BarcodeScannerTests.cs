using PosAgent.Devices.Scanning;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Scanning;

/// <summary>
/// The scanner driver on a real pseudo-terminal reached through a symlink, as in production; run
/// once per serial driver (<see cref="BarcodeScannerTermiosTests"/>, <see cref="BarcodeScannerSerialPortTests"/>).
/// </summary>
public abstract class BarcodeScannerTests(SerialDriver driver) : IDisposable
{
    private readonly TempDirectory _dir = new("pa-scan-");
    private readonly EventRecorder _events = new();

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    private BarcodeScanner CreateSut(string path, TimeProvider? time = null, Action<ScannerOptions>? configure = null)
    {
        var options = new ScannerOptions
        {
            Name = "lane1-scanner",
            Transport = new TransportOptions { Path = path, Baud = 9600, SerialDriver = driver },
            CardFormats = { new LoyaltyCardFormat { Name = "CSM", Length = 16, Prefixes = ["7789"], CheckDigit = CardCheckDigit.Luhn } },
            PartialFrameTimeout = TimeSpan.FromMilliseconds(400),
        };
        configure?.Invoke(options);
        var scanner = new BarcodeScanner(options, time);
        scanner.EventRaised += _events.Add;
        return scanner;
    }

    private async Task<(PtyDevice Device, BarcodeScanner Scanner)> StartConnected(TimeProvider? time = null, Action<ScannerOptions>? configure = null)
    {
        var device = new PtyDevice(_dir.File("scanner"));
        var scanner = CreateSut(device.Path, time, configure);
        scanner.Start();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected);
        return (device, scanner);
    }

    [Fact]
    public async Task Scan_EanWithAimId_ReportsProductScan()
    {
        var (device, scanner) = await StartConnected();
        using var _ = device;
        using var __ = scanner;

        device.Write("]E04006381333931\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal(("lane1-scanner", Symbology.Ean13, "4006381333931", ScanKind.Product), (scan.Device, scan.Symbology, scan.Data, scan.Kind));
    }

    [Fact]
    public async Task Scan_LoyaltyCard_ReportsCardWithFormatName()
    {
        var (device, scanner) = await StartConnected();
        using var _ = device;
        using var __ = scanner;

        device.Write("]C07789000000000002\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal((ScanKind.LoyaltyCard, "CSM", Symbology.Code128), (scan.Kind, scan.CardFormat, scan.Symbology));
    }

    [Fact]
    public async Task Scan_SameCodeTwiceInsideWindow_ReportedOnce()
    {
        var time = TestClock.Create();
        var (device, scanner) = await StartConnected(time);
        using var _ = device;
        using var __ = scanner;

        device.Write("]E04006381333931\r]E04006381333931\r]E496385074\r");
        await _events.Next<ScanEvent>(s => s.Symbology == Symbology.Ean13);
        await _events.Next<ScanEvent>(s => s.Symbology == Symbology.Ean8);
        time.Advance(TimeSpan.FromSeconds(1));
        device.Write("]E04006381333931\r");
        await _events.Next<ScanEvent>(s => s.Symbology == Symbology.Ean13);

        Assert.Equal(2, _events.Drain<ScanEvent>().Count(s => s.Data == "4006381333931"));
    }

    [Theory]
    [InlineData(new byte[] { 0x31, 0xFF, 0xFE, 0x0D }, ScanErrorReason.NonAscii)]
    [InlineData(new byte[] { 0x31, 0x07, 0x1B, 0x0D }, ScanErrorReason.Garbage)]
    [InlineData(new byte[] { 0x00, 0xFF, 0x13, 0x80, 0x0D }, ScanErrorReason.Garbage)]
    [InlineData(new byte[] { 0x5D, 0x45, 0x30, 0x34, 0x30, 0x30, 0x36, 0x33, 0x38, 0x31, 0x33, 0x33, 0x33, 0x39, 0x33, 0x32, 0x0D }, ScanErrorReason.BadCheckDigit)]
    public async Task Scan_BadFrame_ReportsReasonAndNextScanWorks(byte[] bad, ScanErrorReason reason)
    {
        var (device, scanner) = await StartConnected();
        using var _ = device;
        using var __ = scanner;

        device.Write(bad);
        var error = await _events.Next<ScanErrorEvent>();
        device.Write("]E496385074\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal(reason, error.Reason);
        Assert.Equal("96385074", scan.Data);
    }

    [Fact]
    public async Task Scan_PartialFrameThenSilence_ReportsPartialAndNextScanWorks()
    {
        var (device, scanner) = await StartConnected();
        using var _ = device;
        using var __ = scanner;

        device.Write("]E0400638");
        var error = await _events.Next<ScanErrorEvent>();
        device.Write("]E04006381333931\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal(ScanErrorReason.PartialFrame, error.Reason);
        Assert.Equal("4006381333931", scan.Data);
    }

    [Fact]
    public async Task Scan_OverLongLine_ReportsOverLongAndNextScanWorks()
    {
        var (device, scanner) = await StartConnected(configure: o => o.MaxLength = 32);
        using var _ = device;
        using var __ = scanner;

        device.Write(new string('9', 200) + "\r");
        var error = await _events.Next<ScanErrorEvent>();
        device.Write("]E04006381333931\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal(ScanErrorReason.OverLong, error.Reason);
        Assert.Equal("4006381333931", scan.Data);
    }

    [Fact]
    public async Task Start_DeviceMissing_ReportsFailedThenConnectsWhenItAppears()
    {
        var path = _dir.File("late-scanner");
        using var scanner = CreateSut(path);

        scanner.Start();
        var failed = await _events.Next<DeviceConnectionEvent>();
        using var device = new PtyDevice(path);
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, TimeSpan.FromSeconds(2));
        device.Write("]E496385074\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal(DeviceConnectionState.Failed, failed.State);
        Assert.Contains(path, failed.Error, StringComparison.Ordinal);
        Assert.Equal("96385074", scan.Data);
    }

    [Fact]
    public async Task Unplug_ThenReplug_ReportsDisconnectedAndResumesWithinTwoSeconds()
    {
        var (device, scanner) = await StartConnected();
        using var _ = device;
        using var __ = scanner;

        device.Unplug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Disconnected);
        device.Replug();
        var replugged = DateTime.UtcNow;
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, TimeSpan.FromSeconds(2));
        device.Write("]E04006381333931\r");
        var scan = await _events.Next<ScanEvent>();

        Assert.True(DateTime.UtcNow - replugged < TimeSpan.FromSeconds(2.5), "resumed too slowly");
        Assert.Equal("4006381333931", scan.Data);
    }

    [Fact]
    public async Task Unplugged_ReopenFailsWhileAbsent_StaysDisconnectedNotFailed()
    {
        var device = new PtyDevice(_dir.File("scanner"));
        using var _ = device;
        var log = new LogSignal(eventId: 6010, count: 2);
        using var scanner = new BarcodeScanner(
            new ScannerOptions { Name = "lane1-scanner", Transport = new TransportOptions { Path = device.Path, Baud = 9600, SerialDriver = driver } },
            logger: log);
        scanner.EventRaised += _events.Add;
        scanner.Start();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected);

        device.Unplug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Disconnected);
        // Two reopen attempts found the node absent (the debug log says so); neither was a fault.
        await log.Reached.WithTimeout(TimeSpan.FromSeconds(10));
        device.Replug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, TimeSpan.FromSeconds(2));

        Assert.DoesNotContain(_events.Seen, e => e is DeviceConnectionEvent { State: DeviceConnectionState.Failed });
    }

    [Fact]
    public void Constructor_BadOptions_ThrowsListingEveryProblem()
    {
        var options = new ScannerOptions
        {
            Transport = new TransportOptions { Path = "", Baud = 1234 },
            MaxLength = 1,
            Prefix = "\u0001",
        };

        var ex = Assert.Throws<ArgumentException>(() => new BarcodeScanner(options));

        Assert.Contains("path is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("baud 1234", ex.Message, StringComparison.Ordinal);
        Assert.Contains("max length", ex.Message, StringComparison.Ordinal);
        Assert.Contains("prefix", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>The scanner tests over the own termios transport (the Linux default).</summary>
public sealed class BarcodeScannerTermiosTests() : BarcodeScannerTests(SerialDriver.Termios);

/// <summary>The scanner tests over System.IO.Ports (the Windows default).</summary>
public sealed class BarcodeScannerSerialPortTests() : BarcodeScannerTests(SerialDriver.SerialPort);

/// <summary>A logger that completes <see cref="Reached"/> once an event id has been logged <c>count</c> times.</summary>
internal sealed class LogSignal(int eventId, int count) : Microsoft.Extensions.Logging.ILogger<BarcodeScanner>
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _seen;

    public Task Reached => _reached.Task;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (id.Id == eventId && Interlocked.Increment(ref _seen) >= count)
        {
            _reached.TrySetResult();
        }
    }
}
