using PosAgent.Devices.Printing;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Tests.Printing;

/// <summary>
/// The printer driver against firmware-sim's printer on a real pty (and its TCP port); run once per
/// serial driver (<see cref="ReceiptPrinterTermiosTests"/>, <see cref="ReceiptPrinterSerialPortTests"/>).
/// </summary>
public abstract class ReceiptPrinterTests(SerialDriver driver) : IAsyncLifetime
{
    private static readonly TimeSpan Resume = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _dir = new("pa-prn-");
    private readonly EventRecorder _events = new();
    private readonly List<IDisposable> _drivers = [];
    private Sim.SimulatedPrinter? _sim;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var driver in _drivers)
        {
            driver.Dispose();
        }

        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        _dir.Dispose();
    }

    private Sim.SimulatedPrinter StartSim(int baud = 115200, int? tcpPort = null, bool serial = true)
    {
        _sim = Sim.SimulatedPrinter.Start(new Sim.PrinterOptions
        {
            Name = "sim-printer",
            LinkPath = _dir.File("printer"),
            Serial = serial,
            TcpPort = tcpPort,
            Baud = baud,
            CharsPerLine = 42,
        });
        return _sim;
    }

    private ReceiptPrinter CreateSut(int baud = 115200, string? path = null, TransportKind kind = TransportKind.Serial, string queue = "queue.db")
    {
        var printer = new ReceiptPrinter(new PrinterOptions
        {
            Name = "lane1-printer",
            Transport = new TransportOptions { Kind = kind, Path = path ?? _dir.File("printer"), Baud = baud, SerialDriver = driver },
            Profile = PrinterProfile.Known["epson-80mm-42-wpc1251"],
            QueuePath = _dir.File(queue),
            StatusPollInterval = TimeSpan.FromMilliseconds(200),
        });
        printer.EventRaised += _events.Add;
        _drivers.Add(printer);
        return printer;
    }

    private static Receipt SampleReceipt(string title = "Аптека №1") =>
        new ReceiptBuilder(PrinterProfile.Known["epson-80mm-42-wpc1251"])
            .Align(ReceiptAlignment.Center).DoubleSize().Line(title).DoubleSize(false)
            .Align(ReceiptAlignment.Left)
            .Columns("Анализ крови общий", ReceiptBuilder.Money(125000))
            .Columns("Витамин D", ReceiptBuilder.Money(99000))
            .Rule()
            .Bold().Columns("ИТОГО", ReceiptBuilder.Money(224000)).Bold(false)
            .Line("Карта: " + PosAgent.Devices.Scanning.CardNumberMask.Mask("7789000000000002"))
            .Ean13("400638133393")
            .Code128("CHK-000123")
            .Qr("https://example.org/r/123")
            .Cut()
            .Build();

    private async Task<ReceiptPrinter> StartConnected(int baud = 115200)
    {
        var printer = CreateSut(baud);
        printer.Start();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected);
        await _events.Next<PrinterStatusEvent>();
        return printer;
    }

    private Task<PrintJobEvent> Completed(string id, TimeSpan? timeout = null) =>
        _events.Next<PrintJobEvent>(e => e.JobId == id && e.State == PrintJobState.Completed, timeout);

    private Task<PrintJobEvent> Held(string id) =>
        _events.Next<PrintJobEvent>(e => e.JobId == id && e.State == PrintJobState.Held);

    /// <summary>The simulator raises no event per byte, so its counter is checked every few ms, bounded.</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Print_CyrillicReceiptWithCodes_SimulatorPrintsItAndJobCompletes()
    {
        var sim = StartSim();
        var printer = await StartConnected();

        var id = printer.Print(SampleReceipt());
        var done = await Completed(id);
        var receipt = await sim.WaitForReceiptAsync(1).WithTimeout();

        Assert.False(done.Copy);
        Assert.Contains("Анализ крови общий", receipt.Text, StringComparison.Ordinal);
        Assert.Contains("ИТОГО", receipt.Text, StringComparison.Ordinal);
        Assert.Contains("2 240.00", receipt.Text, StringComparison.Ordinal);
        Assert.Contains("************0002", receipt.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("7789000000000002", receipt.Text, StringComparison.Ordinal);
        Assert.Contains(receipt.Codes, c => c.Symbology == Sim.Symbology.Ean13 && c.Data == "4006381333931");
        Assert.Contains(receipt.Codes, c => c.Symbology == Sim.Symbology.Code128 && c.Data == "CHK-000123");
        Assert.Contains(receipt.Codes, c => c.Symbology == Sim.Symbology.Qr && c.Data == "https://example.org/r/123");
        Assert.Empty(sim.Diagnostics);
        Assert.Equal(PrintJobState.Completed, printer.Queue.Get(id)!.State);
    }

    [Fact]
    public async Task Print_UnmappableCharacters_ReportedWithJob()
    {
        StartSim();
        var printer = await StartConnected();
        var receipt = new ReceiptBuilder(PrinterProfile.Known["epson-80mm-42-wpc1251"]).Line("Итого 100 ₽").Cut().Build();

        var id = printer.Print(receipt);
        var encoding = await _events.Next<ReceiptEncodingEvent>();

        Assert.Equal((id, "₽"), (encoding.JobId, encoding.Characters));
        await Completed(id);
    }

    [Fact]
    public async Task Status_PaperNearEnd_ReportedAndJobsStillPrint()
    {
        var sim = StartSim();
        var printer = await StartConnected();

        sim.SetPaperNearEnd(true);
        var status = await _events.Next<PrinterStatusEvent>(e => e.Status.PaperNearEnd);
        var id = printer.Print(SampleReceipt());
        await Completed(id);

        Assert.True(status.Status.IsReady);
    }

    [Fact]
    public async Task Print_PaperRunsOutMidReceipt_HeldThenReprintedAsCopy()
    {
        var sim = StartSim();
        var printer = await StartConnected();
        sim.PaperOutAfter(150);

        var id = printer.Print(SampleReceipt());
        var held = await Held(id);
        await _events.Next<PrinterStatusEvent>(e => e.Status.PaperEnd);
        sim.SetPaperOut(false);
        var done = await Completed(id, TimeSpan.FromSeconds(5));
        var receipt = await sim.WaitForReceiptAsync(r => r.Text.Contains("COPY", StringComparison.Ordinal)).WithTimeout();

        Assert.Contains("paper out", held.Reason, StringComparison.Ordinal);
        Assert.True(done.Copy);
        Assert.Contains("ИТОГО", receipt.Text[receipt.Text.IndexOf("COPY", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Equal(2, printer.Queue.Get(id)!.Attempts);
    }

    [Theory]
    [InlineData("cover")]
    [InlineData("offline")]
    public async Task Print_PrinterStoppedBeforeJob_HeldThenPrintedWithoutCopyWhenReady(string fault)
    {
        var sim = StartSim();
        var printer = await StartConnected();
        Action<bool> set = fault == "cover" ? sim.SetCoverOpen : sim.SetOffline;
        set(true);
        await _events.Next<PrinterStatusEvent>(e => !e.Status.IsReady);

        var id = printer.Print(SampleReceipt());
        var held = await Held(id);
        set(false);
        var done = await Completed(id, Resume + TimeSpan.FromSeconds(1));
        var receipt = await sim.WaitForReceiptAsync(1).WithTimeout();

        Assert.Contains(fault == "cover" ? "cover open" : "offline", held.Reason, StringComparison.Ordinal);
        Assert.False(done.Copy);
        Assert.DoesNotContain("COPY", receipt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_UnpluggedMidJob_ReconnectsAndReprintsAsCopy()
    {
        var sim = StartSim(baud: 9600);
        var printer = await StartConnected(baud: 9600);

        // About 1.4 KB at 9600 baud, slowed fivefold, is 7.5 s on the wire: unplugging once the first
        // bytes are in cuts the job short for certain.
        sim.LineSlowdown = 5;
        var before = sim.BytesReceived;
        var id = printer.Print(SampleReceipt());
        await _events.Next<PrintJobEvent>(e => e.JobId == id && e.State == PrintJobState.Printing);
        await Until(() => sim.BytesReceived > before + 20);
        sim.Unplug();
        sim.LineSlowdown = 1;
        var held = await Held(id);
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Disconnected);
        sim.Replug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, Resume);
        var done = await Completed(id, TimeSpan.FromSeconds(8));

        Assert.True(held.Copy);
        Assert.True(done.Copy);
        var receipt = await sim.WaitForReceiptAsync(r => r.Text.Contains("COPY", StringComparison.Ordinal)).WithTimeout();
        Assert.Contains("ИТОГО", receipt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_LineStalled_ReportsNotAnsweringAndPrintsWhenLineMoves()
    {
        var sim = StartSim();
        var printer = await StartConnected();

        sim.LineStalled = true;
        await _events.Next<PrinterStatusEvent>(e => e.Status.NotAnswering);
        var id = printer.Print(SampleReceipt());
        await Held(id);
        sim.LineStalled = false;
        var done = await Completed(id, TimeSpan.FromSeconds(5));

        Assert.DoesNotContain(_events.Seen, e => e is DeviceConnectionEvent { State: DeviceConnectionState.Disconnected });
        Assert.Contains("ИТОГО", (await sim.WaitForReceiptAsync(r => r.Text.Contains("ИТОГО", StringComparison.Ordinal)).WithTimeout()).Text, StringComparison.Ordinal);
        Assert.NotNull(done);
    }

    [Fact]
    public async Task Start_PrinterMissing_FailedEventThenQueuedJobPrintsAfterRestart()
    {
        var first = CreateSut(path: _dir.File("printer"));
        first.Start();
        var failed = await _events.Next<DeviceConnectionEvent>();
        var id = first.Print(SampleReceipt());
        first.Dispose();

        var sim = StartSim();
        var second = CreateSut();
        second.Start();
        var done = await Completed(id);

        Assert.Equal(DeviceConnectionState.Failed, failed.State);
        Assert.False(done.Copy);
        Assert.Contains("ИТОГО", (await sim.WaitForReceiptAsync(1).WithTimeout()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_JobWasPrintingWhenAgentDied_ReprintedAsCopy()
    {
        string id;
        using (var queue = new PrintQueue(_dir.File("queue.db")))
        {
            id = queue.Enqueue(SampleReceipt());
            queue.MarkPrinting(id);
        }

        var sim = StartSim();
        var printer = CreateSut();
        printer.Start();
        var done = await Completed(id);

        Assert.True(done.Copy);
        Assert.Contains("COPY", (await sim.WaitForReceiptAsync(1).WithTimeout()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_OverTcp_JobCompletes()
    {
        var sim = StartSim(tcpPort: 0, serial: false);
        var endpoint = sim.TcpEndPoint!;
        var printer = CreateSut(path: $"127.0.0.1:{endpoint.Port}", kind: TransportKind.Tcp);
        printer.Start();

        var id = printer.Print(SampleReceipt("TCP"));
        await Completed(id);

        Assert.Contains("TCP", (await sim.WaitForReceiptAsync(1).WithTimeout()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_OverTcpPrinterRestarts_ReconnectsAndPrints()
    {
        var sim = StartSim(tcpPort: 0, serial: false);
        var endpoint = sim.TcpEndPoint!;
        var printer = CreateSut(path: $"127.0.0.1:{endpoint.Port}", kind: TransportKind.Tcp);
        printer.Start();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected);

        sim.Unplug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Disconnected);
        sim.Replug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, Resume);
        var id = printer.Print(SampleReceipt());

        await Completed(id);
    }

    [Fact]
    public async Task Connect_BaudMismatch_ReportsNotAnsweringNotACrash()
    {
        StartSim(baud: 9600);
        var printer = CreateSut(baud: 19200);
        printer.Start();

        var status = await _events.Next<PrinterStatusEvent>();

        Assert.True(status.Status.NotAnswering);
        Assert.False(status.Status.IsReady);
        Assert.True(printer.IsConnected);
    }
}

/// <summary>The printer tests over the own termios transport (the Linux default).</summary>
public sealed class ReceiptPrinterTermiosTests() : ReceiptPrinterTests(SerialDriver.Termios);

/// <summary>The printer tests over System.IO.Ports (the Windows default).</summary>
public sealed class ReceiptPrinterSerialPortTests() : ReceiptPrinterTests(SerialDriver.SerialPort);
