using System.Buffers.Binary;
using PosAgent.Devices.Scanning;
using PosAgent.Devices.Scanning.Hid;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Tests.Scanning;

/// <summary>
/// USB HID scanners: the scanner driver reads the evdev records or HID POS reports firmware-sim's
/// HID scanner writes into a FIFO (no uinput/uhid here), as it would read /dev/input/eventN or /dev/hidrawN.
/// </summary>
public sealed class HidScannerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-hid-");
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

    private async Task<Sim.SimulatedScanner> Start(Sim.ScannerInterface simInterface, TransportKind kind, bool aim = true)
    {
        _sim = Sim.SimulatedScanner.Start(new Sim.ScannerOptions { LinkPath = _dir.File("hid"), Interface = simInterface, AimPrefix = aim });
        _driver = new BarcodeScanner(new ScannerOptions
        {
            Name = "hid-lane",
            Transport = new TransportOptions { Kind = kind, Path = _sim.LinkPath },
            PartialFrameTimeout = TimeSpan.FromSeconds(1),
            CardFormats = { new LoyaltyCardFormat { Name = "CSM", Length = 16, Prefixes = ["7789"], CheckDigit = CardCheckDigit.Luhn } },
        });
        _driver.EventRaised += _events.Add;
        _driver.Start();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected);
        return _sim;
    }

    private static byte[] Event(ushort type, ushort code, int value)
    {
        var record = new byte[KeyboardWedgeDecoder.EventSize];
        BinaryPrimitives.WriteInt64LittleEndian(record, 1_780_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), 123_456);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(16), type);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(18), code);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(20), value);
        return record;
    }

    [Fact]
    public void KeyboardWedge_KeyCodesOfTheDigitRow_DecodedAsDigitsWhateverTheOsLayout()
    {
        // KEY_4 (5), KEY_0 (11), Shift+KEY_A (30), KEY_KP7 (71), KEY_ENTER (28); EV_MSC scan codes between, a split record.
        byte[] stream =
        [
            .. Event(4, 4, 0x70021), .. Event(1, 5, 1), .. Event(0, 0, 0), .. Event(1, 5, 0),
            .. Event(1, 11, 1), .. Event(1, 11, 0),
            .. Event(1, 42, 1), .. Event(1, 30, 1), .. Event(1, 30, 0), .. Event(1, 42, 0),
            .. Event(1, 30, 1), .. Event(1, 30, 2), .. Event(1, 30, 0),
            .. Event(1, 71, 1), .. Event(1, 28, 1), .. Event(1, 28, 0),
        ];
        var decoder = new KeyboardWedgeDecoder();
        var output = new List<byte>();

        decoder.Feed(stream.AsSpan(0, 50), output);
        decoder.Feed(stream.AsSpan(50), output);

        Assert.Equal("40Aa7\r", System.Text.Encoding.ASCII.GetString([.. output]));
    }

    [Fact]
    public void KeyboardWedge_KeyWithoutAscii_BecomesNulSoTheFrameIsRejected()
    {
        var decoder = new KeyboardWedgeDecoder();
        var output = new List<byte>();

        decoder.Feed([.. Event(1, 59, 1), .. Event(1, 59, 0)], output);

        Assert.Equal([0], output);
    }

    [Fact]
    public void HidPos_ReportsSplitAndJoined_DecodedToOneFrameWithAimId()
    {
        var data = System.Text.Encoding.ASCII.GetBytes(new string('7', 100));
        var reports = HidPosDecoder.Encode(data, "]Q1");
        byte[] status = [0x05, .. new byte[HidPosDecoder.ReportSize - 1]];
        byte[] stream = [.. status, .. reports.SelectMany(r => r)];
        var decoder = new HidPosDecoder();
        var output = new List<byte>();

        decoder.Feed(stream.AsSpan(0, 70), output);
        decoder.Feed(stream.AsSpan(70), output);

        Assert.Equal(2, reports.Count);
        Assert.Equal((byte)0x02, reports[0][0]);
        Assert.Equal((byte)56, reports[0][1]);
        Assert.Equal((byte)1, reports[0][61]);
        Assert.Equal("]Q1" + new string('7', 100) + "\r", System.Text.Encoding.ASCII.GetString([.. output]));
    }

    [Fact]
    public async Task KeyboardWedge_SimulatorScansThroughFifo_ReportsScan()
    {
        var sim = await Start(Sim.ScannerInterface.HidKeyboard, TransportKind.HidKeyboard);

        await sim.ScanAsync("4006381333931", Sim.Symbology.Ean13).WithTimeout();
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal((Symbology.Ean13, "4006381333931", ScanKind.Product), (scan.Symbology, scan.Data, scan.Kind));
    }

    [Fact]
    public async Task KeyboardWedge_LoyaltyCardWithoutAim_ReportedAsCard()
    {
        var sim = await Start(Sim.ScannerInterface.HidKeyboard, TransportKind.HidKeyboard, aim: false);

        await sim.ScanAsync("7789000000000002", Sim.Symbology.Code128).WithTimeout();
        var scan = await _events.Next<ScanEvent>();

        Assert.Equal((ScanKind.LoyaltyCard, "CSM"), (scan.Kind, scan.CardFormat));
    }

    [Fact]
    public async Task HidPos_SimulatorScansThroughFifo_SymbologyFromTheReport()
    {
        var sim = await Start(Sim.ScannerInterface.HidPos, TransportKind.HidPos, aim: false);

        await sim.ScanAsync("96385074", Sim.Symbology.Ean8).WithTimeout();
        await sim.ScanAsync("https://example.org/" + new string('q', 80), Sim.Symbology.Qr).WithTimeout();
        var ean = await _events.Next<ScanEvent>(s => s.Symbology == Symbology.Ean8);
        var qr = await _events.Next<ScanEvent>(s => s.Symbology == Symbology.Qr);

        Assert.Equal("96385074", ean.Data);
        Assert.Equal("https://example.org/" + new string('q', 80), qr.Data);
    }

    [Fact]
    public async Task KeyboardWedge_UnplugReplug_ResumesWithinTwoSeconds()
    {
        var sim = await Start(Sim.ScannerInterface.HidKeyboard, TransportKind.HidKeyboard);

        sim.Unplug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Disconnected);
        sim.Replug();
        await _events.Next<DeviceConnectionEvent>(e => e.State == DeviceConnectionState.Connected, TimeSpan.FromSeconds(2));
        await sim.ScanAsync("4006381333931", Sim.Symbology.Ean13).WithTimeout();

        Assert.Equal("4006381333931", (await _events.Next<ScanEvent>()).Data);
    }

    [Fact]
    public async Task KeyboardWedge_GarbageKey_ScanErrorThenNextScanWorks()
    {
        var sim = await Start(Sim.ScannerInterface.HidKeyboard, TransportKind.HidKeyboard);

        byte[] typed = [.. Event(1, 2, 1), .. Event(1, 2, 0), .. Event(1, 59, 1), .. Event(1, 59, 0), .. Event(1, 28, 1), .. Event(1, 28, 0)];
        await sim.SendRawAsync(typed).WithTimeout();
        var error = await _events.Next<ScanErrorEvent>();
        await sim.ScanAsync("96385074", Sim.Symbology.Ean8).WithTimeout();

        Assert.Equal(ScanErrorReason.Garbage, error.Reason);
        Assert.Equal("96385074", (await _events.Next<ScanEvent>()).Data);
    }
}
