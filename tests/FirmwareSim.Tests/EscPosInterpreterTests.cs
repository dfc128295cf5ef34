using System.Text;
using FirmwareSim.EscPos;
using FirmwareSim.Receipts;

namespace FirmwareSim.Tests;

public sealed class EscPosInterpreterTests
{
    [Fact]
    public void Feed_StyledReceipt_RendersTextAndHtmlWithStyles()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.SampleReceipt());

        var (document, partial) = Assert.Single(sink.Cuts);
        Assert.False(partial);
        var text = ReceiptRenderer.ToText(document, 48);
        Assert.Contains("CLINIC SHOP", text);
        Assert.Contains("TOTAL                  1500.00", text);
        Assert.Contains("[EAN-13 4006381333931]", text);
        var title = document.Blocks.OfType<TextLineBlock>().First();
        Assert.Equal(Alignment.Center, title.Alignment);
        Assert.True(title.Runs[0].Style.Bold);
        Assert.Equal(2, title.Runs[0].Style.Width);
        Assert.Equal(2, title.Runs[0].Style.Height);
        var html = ReceiptRenderer.ToHtml(document, 48, "t");
        Assert.Contains("text-align:center", html);
        Assert.Contains("class=\"b\" style=\"font-size:2em\">CLINIC SHOP</span>", html);
        Assert.Contains("data-code=\"4006381333931\"", html);
        Assert.Contains("<svg", html);
        Assert.Empty(sink.Diagnostics);
    }

    [Fact]
    public void Feed_CenteredText_IsPaddedToPaperWidth()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(Bytes.Align(1), Bytes.Line("ABCD"), Bytes.Align(2), Bytes.Line("XY"), Bytes.Cut));

        var text = ReceiptRenderer.ToText(sink.Cuts[0].Document, 32);
        Assert.Equal("              ABCD\n" + new string(' ', 30) + "XY\n", text);
    }

    [Theory]
    [InlineData(17, 866)]
    [InlineData(46, 1251)]
    public void Feed_CyrillicInCodePage_DecodesToUnicode(int table, int codePage)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var (interpreter, sink) = RecordingSink.Create();
        var encoded = Encoding.GetEncoding(codePage).GetBytes("Итого: 150 баллов");

        interpreter.Feed(Bytes.Concat(Bytes.CodeTable(table), encoded, [0x0A], Bytes.Cut));

        Assert.Contains("Итого: 150 баллов", ReceiptRenderer.ToText(sink.Cuts[0].Document, 48));
        Assert.Equal(table, interpreter.CodeTable);
    }

    [Fact]
    public void Feed_CodeTableNotInProfile_ReportsAndKeepsCurrent()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(Bytes.CodeTable(17), Bytes.CodeTable(99)));

        Assert.Equal(17, interpreter.CodeTable);
        var diagnostic = Assert.Single(sink.Diagnostics);
        Assert.Equal(3, diagnostic.Offset);
        Assert.Contains("ESC t 99", diagnostic.Message);
    }

    [Fact]
    public void Feed_Ean13WithWrongCheckDigit_ReportsAndPrintsNoBarcode()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(Bytes.Ean13("4006381333932"), Bytes.Cut));

        Assert.Empty(ReceiptRenderer.Codes(sink.Cuts[0].Document));
        Assert.Contains(sink.Diagnostics, d => d.Offset == 0 && d.Message.Contains("check digit is 2, expected 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Feed_Ean8AndCode128AndQr_AreAllPrinted()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(
            [0x1D, 0x6B, 68, 7], Bytes.Ascii("9638507"),
            Bytes.Code128("{BCARD-42"),
            Bytes.Qr("https://example.org/r?id=Привет"),
            Bytes.Cut));

        var codes = ReceiptRenderer.Codes(sink.Cuts[0].Document);
        Assert.Equal(
            [new PrintedCode(Symbology.Ean8, "96385074"), new PrintedCode(Symbology.Code128, "CARD-42"), new PrintedCode(Symbology.Qr, "https://example.org/r?id=Привет")],
            codes);
        var html = ReceiptRenderer.ToHtml(sink.Cuts[0].Document, 48, "t");
        Assert.Equal(3, html.Split("<svg").Length - 1);
        Assert.Empty(sink.Diagnostics);
    }

    [Fact]
    public void Feed_Code128CodeSetC_TakesBinaryPairs()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat([0x1D, 0x6B, 73, 5, (byte)'{', (byte)'C', 12, 34, 56], Bytes.Cut));

        Assert.Equal("123456", ReceiptRenderer.Codes(sink.Cuts[0].Document)[0].Data);
    }

    [Fact]
    public void Feed_UnknownAndMalformedCommands_AreReportedWithOffsetAndSkipped()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(
            Bytes.Ascii("AB"),
            [0x1B, 0x01],          // unknown ESC command at offset 2
            [0x1D, 0x56, 0x07],    // invalid cut mode at offset 4
            [0x1B, 0x61, 0x09],    // invalid alignment at offset 7
            [0x05],                // stray control byte at offset 10
            Bytes.Line("CD"),
            Bytes.Cut));

        Assert.Equal([2L, 4L, 7L, 10L], sink.Diagnostics.Select(d => d.Offset));
        Assert.Contains("ESC 0x01", sink.Diagnostics[0].Message);
        Assert.Equal("ABCD\n", ReceiptRenderer.ToText(sink.Cuts[0].Document, 48));
    }

    [Fact]
    public void Feed_OneByteAtATime_GivesTheSameReceiptAsAllAtOnce()
    {
        var data = Bytes.Concat(Bytes.SampleReceipt(), Bytes.Qr("split"), Bytes.Cut);
        var (whole, wholeSink) = RecordingSink.Create();
        var (split, splitSink) = RecordingSink.Create();

        whole.Feed(data);
        foreach (var b in data)
        {
            split.Feed([b]);
        }

        Assert.Equal(
            wholeSink.Cuts.Select(c => ReceiptRenderer.ToHtml(c.Document, 48, "t")),
            splitSink.Cuts.Select(c => ReceiptRenderer.ToHtml(c.Document, 48, "t")));
        Assert.Equal(data.Length, split.Offset);
    }

    [Fact]
    public void Feed_InOrderRequests_AnswerFromStatus()
    {
        var (interpreter, sink) = RecordingSink.Create();
        sink.Status = new PrinterStatus(PaperNearEnd: true, DrawerOpen: true);

        interpreter.Feed([0x1D, 0x72, 0x01, 0x1D, 0x72, 0x02, 0x1B, 0x70, 0x00, 0x19, 0xFA, 0x1D, 0x61, 0x0F]);

        Assert.Equal([0x03, 0x01], sink.Responses);
        Assert.Equal([2], sink.DrawerPins);
        Assert.Equal([0x0F], sink.AutoStatusMasks);
    }

    [Fact]
    public void Feed_LargeRasterImage_IsSkippedAcrossCalls()
    {
        var (interpreter, sink) = RecordingSink.Create();
        var image = Bytes.Concat([0x1D, 0x76, 0x30, 0x00, 0x30, 0x00, 0x00, 0x01], new byte[48 * 256]);

        interpreter.Feed(image.AsSpan(0, 100));
        interpreter.Feed(image.AsSpan(100));
        interpreter.Feed(Bytes.Concat(Bytes.Line("after"), Bytes.Cut));

        var text = ReceiptRenderer.ToText(sink.Cuts[0].Document, 48);
        Assert.Equal("[image 384x256 dots]\nafter\n", text);
        Assert.Empty(sink.Diagnostics);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Feed_BoundedRandomBytes_NeverThrows(int seed)
    {
        var random = new Random(seed);
        var (interpreter, sink) = RecordingSink.Create();
        long total = 0;

        for (var i = 0; i < 400; i++)
        {
            var chunk = new byte[random.Next(0, 300)];
            random.NextBytes(chunk);

            // Bias towards command prefixes so the parser's branches are exercised, not just text.
            for (var k = 0; k < chunk.Length; k += random.Next(1, 8))
            {
                chunk[k] = (byte)(random.Next(4) switch { 0 => 0x1B, 1 => 0x1D, 2 => 0x10, _ => chunk[k] });
            }

            interpreter.Feed(chunk);
            total += chunk.Length;
        }

        // NUL padding longer than any skipped block, then a fresh start: the printer must be usable again.
        var recovery = Bytes.Concat(new byte[270000], Bytes.Init, Bytes.Line("END"), Bytes.Cut);
        interpreter.Feed(recovery);

        Assert.Equal(total + recovery.Length, interpreter.Offset);
        Assert.EndsWith("END\n", ReceiptRenderer.ToText(sink.Cuts[^1].Document, 48));
        foreach (var (document, _) in sink.Cuts)
        {
            _ = ReceiptRenderer.ToHtml(document, 48, "t");
            _ = ReceiptRenderer.ToText(document, 48);
        }
    }
}
