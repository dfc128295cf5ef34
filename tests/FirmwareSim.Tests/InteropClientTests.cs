using System.Text;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

/// <summary>The simulated devices read and written through the project's own termios/poll interop (what the drivers use).</summary>
public sealed class InteropClientTests : IDisposable
{
    private readonly TempDirectory _dir = new("fs-iop-");

    [Fact]
    public async Task Lane_ScanAndStatus_ThroughProjectInterop()
    {
        await using var lane = await Lane.StartAsync(new LaneOptions { Directory = _dir.Path });
        Assert.Equal(_dir.File("scanner"), lane.Scanner.LinkPath);
        Assert.Equal(_dir.File("printer"), lane.Printer.LinkPath);
        using var scanner = new RawPort(lane.Scanner.LinkPath, 9600);
        using var printer = new RawPort(lane.Printer.LinkPath!, 9600);

        await lane.Scanner.ScanAsync("4006381333931").WithTimeout();
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await scanner.ReadAsync(14)));

        lane.Printer.SetCoverOpen(true);
        printer.Write([0x10, 0x04, 0x02]);
        Assert.Equal([0x16], await printer.ReadAsync(1));
        lane.Printer.SetCoverOpen(false);
        printer.Write(Bytes.SampleReceipt("INTEROP"));
        var printed = await lane.Printer.WaitForReceiptAsync(1).WithTimeout();
        Assert.StartsWith(_dir.File("receipts"), printed.HtmlPath);
    }

    [Fact]
    public async Task Lane_Dispose_RemovesLinks()
    {
        var lane = await Lane.StartAsync(new LaneOptions { Directory = _dir.Path });
        Assert.True(Path.Exists(lane.Scanner.LinkPath));

        await lane.DisposeAsync();

        Assert.False(Path.Exists(_dir.File("scanner")));
        Assert.False(Path.Exists(_dir.File("printer")));
    }

    public void Dispose() => _dir.Dispose();
}
