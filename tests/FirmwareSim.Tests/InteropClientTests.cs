using System.Text;
using PosAgent.Devices;
using PosAgent.Devices.Interop;
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
        using var scanner = OpenRaw(lane.Scanner.LinkPath, 9600);
        using var printer = OpenRaw(lane.Printer.LinkPath!, 9600);

        await lane.Scanner.ScanAsync("4006381333931").WithTimeout();
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await ReadAsync(scanner, 14)));

        lane.Printer.SetCoverOpen(true);
        Assert.Equal(3, Libc.Write(printer, [0x10, 0x04, 0x02]));
        Assert.Equal([0x16], await ReadAsync(printer, 1));
        lane.Printer.SetCoverOpen(false);
        var receipt = Bytes.SampleReceipt("INTEROP");
        Assert.Equal(receipt.Length, Libc.Write(printer, receipt));
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

    private static SafeFileDescriptorHandle OpenRaw(string path, int baud)
    {
        var fd = SafeFileDescriptorHandle.Open(path, TermiosConst.O_RDWR | TermiosConst.O_NOCTTY | TermiosConst.O_NONBLOCK);
        Tty.ConfigureRaw(fd, path, baud, SerialFraming.EightNoneOne, FlowControl.None);
        return fd;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes with poll, bounded by a deadline (no sleeps).</summary>
    private static Task<byte[]> ReadAsync(SafeFileDescriptorHandle fd, int count) => Task.Run(() =>
    {
        var result = new List<byte>();
        var buffer = new byte[256];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (result.Count < count && DateTime.UtcNow < deadline)
        {
            if ((Libc.PollOne(fd, TermiosConst.POLLIN, 100) & TermiosConst.POLLIN) == 0)
            {
                continue;
            }

            var n = Libc.Read(fd, buffer.AsSpan(0, Math.Min(buffer.Length, count - result.Count)));
            if (n > 0)
            {
                result.AddRange(buffer.AsSpan(0, (int)n).ToArray());
            }
        }

        return result.ToArray();
    }).WithTimeout();

    public void Dispose() => _dir.Dispose();
}
