using System.Diagnostics;
using System.Text;
using PosAgent.Devices;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

public sealed class ScannerTests : IDisposable
{
    private readonly TempDirectory _dir = new("fs-scan-");

    private ScannerOptions Options(Action<ScannerOptions>? configure = null)
    {
        var options = new ScannerOptions { LinkPath = _dir.File("scanner") };
        configure?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task ScanAsync_AimPrefixAndCr_PythonSerialReceivesFrame()
    {
        await using var scanner = SimulatedScanner.Start(Options(o => o.AimPrefix = true));
        await using var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 9600);

        var written = await scanner.ScanAsync("4006381333931", Symbology.Ean13).WithTimeout();

        Assert.Equal("]E04006381333931\r", Encoding.ASCII.GetString(await peer.ReadUntilAsync([0x0D])));
        Assert.False(written.Garbled);
    }

    [Theory]
    [InlineData(ScannerSuffix.CrLf, "]Q1", "\r\n")]
    [InlineData(ScannerSuffix.Tab, "]C0", "\t")]
    [InlineData(ScannerSuffix.Lf, "]d2", "\n")]
    public async Task ScanAsync_ConfiguredSuffixAndSymbology_AppearOnTheLine(ScannerSuffix suffix, string aim, string expectedSuffix)
    {
        var symbology = aim switch { "]Q1" => Symbology.Qr, "]C0" => Symbology.Code128, _ => Symbology.Gs1DataMatrix };
        await using var scanner = SimulatedScanner.Start(Options(o => (o.AimPrefix, o.Suffix, o.Prefix) = (true, suffix, "P:")));
        await using var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 9600);

        await scanner.ScanAsync("CARD-1", symbology).WithTimeout();

        var frame = Encoding.ASCII.GetString(await peer.ReadUntilAsync(Encoding.ASCII.GetBytes(expectedSuffix[^1..])));
        Assert.Equal(aim + "P:CARD-1" + expectedSuffix, frame);
    }

    [Fact]
    public async Task ScanAsync_At2400Baud_TakesTheLineTime()
    {
        await using var scanner = SimulatedScanner.Start(Options(o => o.Baud = 2400));
        await using var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 2400);
        var frameLength = scanner.BuildFrame("4006381333931").Length;

        var clock = Stopwatch.StartNew();
        await scanner.ScanAsync("4006381333931").WithTimeout();
        clock.Stop();

        var lineTime = SerialFraming.EightNoneOne.LineTime(2400, frameLength);
        Assert.True(clock.Elapsed >= lineTime * 0.9, $"{frameLength} bytes took {clock.Elapsed.TotalMilliseconds} ms, line time {lineTime.TotalMilliseconds} ms");
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await peer.ReadUntilAsync([0x0D])));
    }

    [Fact]
    public async Task ScanAsync_ClientAtOtherBaud_ReceivesGarbage()
    {
        await using var scanner = SimulatedScanner.Start(Options());
        await using var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 115200);

        var written = await scanner.ScanAsync("4006381333931").WithTimeout();

        Assert.True(written.Garbled);
        var received = await peer.ReadAsync(written.Frame.Length);
        Assert.Equal(written.Frame, received);
        Assert.DoesNotContain(received, b => b is >= (byte)'0' and <= (byte)'9' or 0x0D);
    }

    [Fact]
    public async Task SendPartialAsync_ThenFullScan_ClientSeesCutFrameThenGoodFrame()
    {
        await using var scanner = SimulatedScanner.Start(Options());
        await using var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 9600);

        await scanner.SendPartialAsync("4006381333931", 6).WithTimeout();
        Assert.Equal("400638", Encoding.ASCII.GetString(await peer.ReadAsync(100, 1)));
        await scanner.SendRawAsync(new byte[] { 0xFF, 0x00, 0x1B, 0x80 }).WithTimeout();
        Assert.Equal([0xFF, 0x00, 0x1B, 0x80], await peer.ReadAsync(4));
        await scanner.ScanAsync("96385074", Symbology.Ean8).WithTimeout();

        Assert.Equal("96385074\r", Encoding.ASCII.GetString(await peer.ReadUntilAsync([0x0D])));
    }

    [Fact]
    public async Task Unplug_ClientGetsErrorAndPathDisappears_ReplugServesNewClient()
    {
        await using var scanner = SimulatedScanner.Start(Options());
        var firstDevice = scanner.DevicePath!;
        await using (var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 9600))
        {
            scanner.Unplug();

            Assert.False(Path.Exists(scanner.LinkPath));
            Assert.False(Path.Exists(firstDevice));
            Assert.StartsWith("error", await peer.ReadLineRawAsync(1, 2));
            await Assert.ThrowsAsync<InvalidOperationException>(() => scanner.ScanAsync("1"));
        }

        scanner.Replug();

        Assert.True(Path.Exists(scanner.LinkPath));
        Assert.Equal(scanner.DevicePath, new FileInfo(scanner.LinkPath).LinkTarget);
        await using var again = await SerialPeer.OpenAsync(scanner.LinkPath, 9600);
        await scanner.ScanAsync("4006381333931").WithTimeout();
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await again.ReadUntilAsync([0x0D])));
    }

    [Fact]
    public async Task LineStalled_ScanWaitsUntilResumed()
    {
        await using var scanner = SimulatedScanner.Start(Options());
        await using var peer = await SerialPeer.OpenAsync(scanner.LinkPath, 9600);
        scanner.LineStalled = true;

        var scan = scanner.ScanAsync("4006381333931");
        Assert.Empty(await peer.ReadAsync(1, 0.3));
        Assert.False(scan.IsCompleted);
        scanner.LineStalled = false;

        await scan.WithTimeout();
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await peer.ReadUntilAsync([0x0D])));
    }

    [Fact]
    public void Start_BadOptions_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => SimulatedScanner.Start(new ScannerOptions { Name = "a/b", Baud = 1234, Prefix = "é" }));

        Assert.Contains("Scanner name", error.Message);
        Assert.Contains("Baud 1234", error.Message);
        Assert.Contains("Prefix must be ASCII", error.Message);
    }

    public void Dispose() => _dir.Dispose();
}
