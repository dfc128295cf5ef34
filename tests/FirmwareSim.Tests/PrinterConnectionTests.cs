using System.Net.Sockets;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

/// <summary>Back-pressure and unplugging as a sender on the pty or TCP feels them.</summary>
public sealed class PrinterConnectionTests : IDisposable
{
    private const string FloodScript = """
        import os
        p = serial.Serial(sys.argv[1], 115200)
        n = 0
        try:
            while n < 8 * 1024 * 1024:
                n += os.write(p.fd, (b"x" * 1023) + b"\n")
        except BlockingIOError:
            pass
        out(n)
        sys.stdin.readline()
        p.write(b"LAST LINE\n\x1dV\x00"); p.flush()
        out("done")
        """;

    private readonly TempDirectory _dir = new("fs-con-");

    [Fact]
    public async Task Pty_OfflinePrinter_NonBlockingSenderIsRefusedThenAllIsPrinted()
    {
        await using var printer = SimulatedPrinter.Start(new PrinterOptions { LinkPath = _dir.File("printer"), Baud = 115200, PaceLine = false });
        printer.SetOffline(true);

        // python writes 1 KB lines to the non-blocking fd until the kernel refuses (EAGAIN).
        await using var python = PythonClient.Start(FloodScript, printer.LinkPath!);
        var accepted = long.Parse(await python.ReadLineAsync(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(accepted < 8 * 1024 * 1024, "the sender never felt back-pressure");
        Assert.True(printer.BytesReceived <= 4096, $"printer took {printer.BytesReceived} bytes while offline");
        Assert.Equal(0, printer.BytesPrinted);
        printer.SetOffline(false);
        await python.SendAsync("go");
        Assert.Equal("done", await python.ReadLineAsync());
        var receipt = await printer.WaitForReceiptAsync(1).WithTimeout();

        Assert.EndsWith("LAST LINE\n", receipt.Text);
        Assert.Equal(accepted + 13, printer.BytesPrinted);
    }

    [Fact]
    public async Task Tcp_Unplug_DropsConnectionAndReplugListensOnTheSamePort()
    {
        await using var printer = SimulatedPrinter.Start(new PrinterOptions { Serial = false, TcpPort = 0 });
        var endpoint = printer.TcpEndPoint!;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endpoint).WithTimeout();
            await client.GetStream().WriteAsync(new byte[] { 0x10, 0x04, 0x01 });
            var answer = new byte[1];
            await client.GetStream().ReadExactlyAsync(answer).WithTimeout();

            printer.Unplug();

            Assert.Equal(0, await client.GetStream().ReadAsync(answer).AsTask().WithTimeout());
            using var refused = new TcpClient();
            await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync(endpoint).WithTimeout());
        }

        printer.Replug();
        using var again = new TcpClient();
        await again.ConnectAsync(endpoint).WithTimeout();
        await again.GetStream().WriteAsync(Bytes.SampleReceipt("BACK"));
        Assert.Contains("BACK", (await printer.WaitForReceiptAsync(1).WithTimeout()).Text);
    }

    public void Dispose() => _dir.Dispose();
}
