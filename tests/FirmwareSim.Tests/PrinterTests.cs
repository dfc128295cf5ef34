using System.Net;
using System.Net.Sockets;
using System.Text;
using FirmwareSim.Internal;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

public sealed class PrinterTests : IDisposable
{
    private readonly TempDirectory _dir = new("fs-prn-");

    private SimulatedPrinter Start(Action<PrinterOptions>? configure = null)
    {
        var options = new PrinterOptions { LinkPath = _dir.File("printer"), OutputDirectory = _dir.File("receipts"), Baud = 115200 };
        configure?.Invoke(options);
        return SimulatedPrinter.Start(options);
    }

    [Fact]
    public async Task Pty_ReceiptFromPythonSerial_WritesTextAndHtmlWithThePrintedText()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);

        await peer.WriteAsync(Bytes.Concat(
            Bytes.SampleReceipt(),
            Bytes.CodeTable(17),
            Encoding.GetEncoding(866).GetBytes("Баллы: +15\n"),
            Bytes.PartialCut));
        var first = await printer.WaitForReceiptAsync(1).WithTimeout();
        var second = await printer.WaitForReceiptAsync(2).WithTimeout();

        Assert.Equal(CutKind.Full, first.Cut);
        Assert.Equal(CutKind.Partial, second.Cut);
        Assert.Contains("CLINIC SHOP", first.Text);
        Assert.Equal(first.Text, await File.ReadAllTextAsync(first.TextPath!));
        var html = await File.ReadAllTextAsync(first.HtmlPath!);
        Assert.Contains(">CLINIC SHOP</span>", html);
        Assert.Contains("TOTAL                  1500.00", html);
        Assert.Contains(new PrintedCode(Symbology.Ean13, "4006381333931"), first.Codes);
        Assert.Contains("Баллы: +15", await File.ReadAllTextAsync(second.HtmlPath!));
        Assert.Equal(2, printer.Receipts.Count);
    }

    public static TheoryData<string, byte[]> Faults() => new()
    {
        { "ready", [0x12, 0x12, 0x12, 0x12] },
        { "near-end", [0x12, 0x12, 0x12, 0x1E] },
        { "paper-out", [0x1A, 0x32, 0x12, 0x7E] },
        { "cover", [0x1A, 0x16, 0x12, 0x12] },
        { "offline", [0x1A, 0x12, 0x12, 0x12] },
        { "drawer", [0x16, 0x12, 0x12, 0x12] },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task DleEot_EachFault_AnswersTruthfully(string fault, byte[] expected)
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        switch (fault)
        {
            case "near-end":
                printer.SetPaperNearEnd(true);
                break;
            case "paper-out":
                printer.SetPaperOut(true);
                break;
            case "cover":
                printer.SetCoverOpen(true);
                break;
            case "offline":
                printer.SetOffline(true);
                break;
            case "drawer":
                await peer.WriteAsync([0x1B, 0x70, 0x00, 0x19, 0xFA]);
                await printer.WaitForStatusAsync(s => s.DrawerOpen).WithTimeout();
                break;
        }

        await peer.WriteAsync([0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4]);

        Assert.Equal(expected, await peer.ReadAsync(4));
    }

    [Fact]
    public async Task PaperOutAfter_MidReceipt_StopsAnswersStatusAndFinishesWhenPaperLoaded()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        printer.PaperOutAfter(40);

        await peer.WriteAsync(Bytes.SampleReceipt());
        await printer.WaitForStatusAsync(s => s.PaperOut).WithTimeout();
        await peer.WriteAsync([0x10, 0x04, 4, 0x10, 0x04, 1]);

        Assert.Equal([0x7E, 0x1A], await peer.ReadAsync(2));
        Assert.Equal(40, printer.BytesPrinted);
        Assert.Empty(printer.Receipts);
        printer.SetPaperOut(false);
        var receipt = await printer.WaitForReceiptAsync(1).WithTimeout();
        Assert.True(receipt.Interrupted);
        Assert.Contains("*** paper ran out: printing stopped ***", receipt.Text);
        Assert.Contains("TOTAL", receipt.Text);
        Assert.True(receipt.Text.IndexOf("paper loaded", StringComparison.Ordinal) < receipt.Text.IndexOf("TOTAL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClearBuffers_PaperRanOutMidCommand_NextStatusRequestIsNotTakenAsItsParameter()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);

        // Paper runs out after "HELLO\n" and ESC d: the interpreter holds a command still missing its n.
        printer.PaperOutAfter(8);
        await peer.WriteAsync(Bytes.Concat(Bytes.Line("HELLO"), [0x1B, 0x64, 0x03], Bytes.Line("REST"), Bytes.Cut));
        await printer.WaitForStatusAsync(s => s.PaperOut).WithTimeout();
        await peer.WriteAsync(Bytes.Concat([0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08], [0x10, 0x04, 0x01]));
        Assert.Equal([0x1A], await peer.ReadAsync(1));
        printer.SetPaperOut(false);
        await peer.WriteAsync(Bytes.Concat(Bytes.Line("AFTER"), Bytes.Cut));
        var receipt = await printer.WaitForReceiptAsync(1).WithTimeout();

        Assert.Empty(printer.Diagnostics);
        Assert.Contains("AFTER", receipt.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("REST", receipt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoStatusBack_Enabled_SendsBlockAtOnceAndOnEachChange()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);

        await peer.WriteAsync([0x1D, 0x61, 0x0F]);
        Assert.Equal([0x10, 0x00, 0x00, 0x00], await peer.ReadAsync(4));
        printer.SetCoverOpen(true);
        Assert.Equal([0x38, 0x00, 0x00, 0x00], await peer.ReadAsync(4));
        printer.SetPaperNearEnd(true);

        Assert.Equal([0x38, 0x00, 0x03, 0x00], await peer.ReadAsync(4));
    }

    [Fact]
    public async Task ClientAtOtherBaud_AnswersGarbage()
    {
        await using var printer = Start(o => o.Baud = 9600);
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 19200);

        await peer.WriteAsync(Bytes.Concat(Bytes.Line("HELLO"), Bytes.Cut, [0x10, 0x04, 0x01]));

        // The request itself arrives garbled, so no status comes back, and nothing cuts.
        Assert.Empty(await peer.ReadAsync(1, 0.5));
        await peer.SetBaudAsync(9600);
        await peer.WriteAsync([0x10, 0x04, 0x01]);
        Assert.Equal([0x12], await peer.ReadAsync(1));
        Assert.Empty(printer.Receipts);
    }

    [Fact]
    public async Task LineStalled_NoAnswerUntilResumed()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        printer.LineStalled = true;

        await peer.WriteAsync([0x10, 0x04, 0x01]);
        Assert.Empty(await peer.ReadAsync(1, 0.3));
        printer.LineStalled = false;

        Assert.Equal([0x12], await peer.ReadAsync(1));
    }

    [Fact]
    public async Task Unplug_PathDisappearsAndClientFails_ReplugPrintsAgain()
    {
        await using var printer = Start();
        await using (var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200))
        {
            printer.Unplug();

            Assert.False(Path.Exists(printer.LinkPath));
            Assert.StartsWith("error", await peer.ReadLineRawAsync(1, 2));
        }

        printer.Replug();
        await using var again = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        await again.WriteAsync(Bytes.SampleReceipt("AFTER REPLUG"));

        Assert.Contains("AFTER REPLUG", (await printer.WaitForReceiptAsync(1).WithTimeout()).Text);
    }

    [Fact]
    public async Task Tcp_OfflinePrinter_SenderFeelsBackPressureThenAllIsPrinted()
    {
        await using var printer = Start(o => (o.Serial, o.TcpPort, o.PaceLine, o.ReceiveBufferSize) = (false, 0, false, 4096));
        printer.SetOffline(true);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 16384 };
        await client.ConnectAsync(printer.TcpEndPoint!).WithTimeout();
        client.Blocking = false;
        var line = Bytes.Line(new string('x', 47));
        long accepted = 0;

        // Push until the kernel refuses: the printer stopped reading once its 4 KB buffer filled.
        while (true)
        {
            var n = client.Send(line, 0, line.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                break;
            }

            Assert.Equal(SocketError.Success, error);
            accepted += n;
            Assert.True(accepted < 4_000_000, "the sender never felt back-pressure");
        }

        Assert.True(printer.BytesReceived <= 4096, $"printer took {printer.BytesReceived} bytes while offline");
        Assert.Equal(0, printer.BytesPrinted);
        printer.SetOffline(false);
        client.Blocking = true;
        await client.SendAsync(Bytes.Concat(Bytes.Line("LAST LINE"), Bytes.Cut)).WithTimeout();

        var receipt = await printer.WaitForReceiptAsync(1).WithTimeout();
        Assert.EndsWith("LAST LINE\n", receipt.Text);
        Assert.Equal(accepted + 13, printer.BytesPrinted);
    }

    [Fact]
    public async Task Tcp_StatusAndReceipt_OverRawSocket()
    {
        await using var printer = Start(o => (o.Serial, o.TcpPort) = (false, 0));
        using var client = new TcpClient();
        await client.ConnectAsync(printer.TcpEndPoint!).WithTimeout();
        var stream = client.GetStream();
        printer.SetPaperNearEnd(true);

        await stream.WriteAsync(Bytes.Concat(Bytes.SampleReceipt("TCP"), [0x10, 0x04, 0x04]));
        var answer = new byte[1];
        await stream.ReadExactlyAsync(answer).WithTimeout();

        Assert.Equal(0x1E, answer[0]);
        Assert.Contains("TCP", (await printer.WaitForReceiptAsync(1).WithTimeout()).Text);
        Assert.Equal(IPAddress.Loopback, printer.TcpEndPoint!.Address);
    }

    [Fact]
    public async Task RandomBytesOverPty_PrinterKeepsWorking()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        var random = new Random(7);
        var garbage = new byte[3000];
        random.NextBytes(garbage);

        // Garbage without DLE, so no real-time request is triggered by chance; then recover and print.
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] = garbage[i] == 0x10 ? (byte)0x20 : garbage[i];
        }

        await peer.WriteAsync(Bytes.Concat(garbage, new byte[300_000 / 100], Bytes.SampleReceipt("RECOVERED")));

        var receipt = await printer.WaitForReceiptAsync(r => r.Text.Contains("RECOVERED", StringComparison.Ordinal)).WithTimeout();
        Assert.Contains("TOTAL", receipt.Text);
    }

    [Fact]
    public async Task LinePacing_At9600_StatusAfterAKilobyteTakesTheLineTime()
    {
        await using var printer = Start(o => o.Baud = 9600);
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 9600);
        var text = Bytes.Concat(Enumerable.Repeat(Bytes.Line(new string('x', 47)), 20).ToArray());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await peer.WriteAsync(Bytes.Concat(text, [0x10, 0x04, 0x01]));
        Assert.Equal([0x12], await peer.ReadAsync(1));
        clock.Stop();

        // 963 bytes at 9600 8N1 take 1.003 s on a real line; the answer cannot come sooner.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"answered after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task LineSlowdown_TenTimes_StatusTakesTenTimesTheLineTime()
    {
        await using var printer = Start(o => o.Baud = 115200);
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        printer.LineSlowdown = 10;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await peer.WriteAsync(Bytes.Concat(new byte[1152], [0x10, 0x04, 0x01]));
        Assert.Equal([0x12], await peer.ReadAsync(1));
        clock.Stop();

        // 1155 bytes at 115200 take 0.1 s; ten times slower is 1 s.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"answered after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task SendRawAsync_GarbageReachesTheHost()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        await peer.WriteAsync([0x10, 0x04, 0x01]);
        Assert.Equal([0x12], await peer.ReadAsync(1));

        await printer.SendRawAsync(new byte[] { 0xEE, 0x00, 0x12, 0x99 }).WithTimeout();

        Assert.Equal([0xEE, 0x00, 0x12, 0x99], await peer.ReadAsync(4));
    }

    [Fact]
    public async Task DrawerPulse_RealTime_OpensDrawerEvenWhileOffline()
    {
        await using var printer = Start();
        await using var peer = await SerialPeer.OpenAsync(printer.LinkPath!, 115200);
        printer.SetOffline(true);

        await peer.WriteAsync([0x10, 0x14, 0x01, 0x00, 0x05]);
        await printer.WaitForStatusAsync(s => s.DrawerOpen).WithTimeout();
        printer.CloseDrawer();

        Assert.Equal(1, printer.DrawerKicks);
        Assert.False(printer.Status.DrawerOpen);
    }

    [Fact]
    public void Start_BadOptions_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => SimulatedPrinter.Start(new PrinterOptions { Serial = false, CharsPerLine = 5, ReceiveBufferSize = 1 }));

        Assert.Contains("Enable the pseudo-terminal", error.Message);
        Assert.Contains("CharsPerLine 5", error.Message);
        Assert.Contains("ReceiveBufferSize 1", error.Message);
    }

    [Fact]
    public void LineGarbler_NeverProducesAscii()
    {
        Assert.All(Enumerable.Range(0, 256), b => Assert.True(LineGarbler.Garble((byte)b) >= 0x80));
    }

    public void Dispose() => _dir.Dispose();
}
