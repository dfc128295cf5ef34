using FirmwareSim.Receipts;

namespace FirmwareSim.Tests;

/// <summary>
/// The raster decoders (GS v 0, GS ( L fn 112 + fn 50/2): every mode and scale gives the dots the
/// paper shows, widths that are not a multiple of 8 keep their width, malformed commands are
/// reported (with the stream offset) without throwing or eating the text after them, and a command
/// cut short waits for its bytes until a buffer clear drops it.
/// </summary>
public sealed class RasterDecoderTests
{
    // 13 dots wide, 3 rows: a pattern whose rows differ, with every padding bit set (they must not print).
    private static readonly bool[,] Pattern = MakePattern(13, 3);

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 2, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(3, 2, 2)]
    [InlineData(48, 1, 1)]
    [InlineData(49, 2, 1)]
    [InlineData(50, 1, 2)]
    [InlineData(51, 2, 2)]
    public void GsV0_EachMode_DotsScaledAsPrinted(int mode, int scaleX, int scaleY)
    {
        var (interpreter, sink) = RecordingSink.Create();
        var pattern = MakePattern(16, 3);

        interpreter.Feed(Bytes.Concat(GsV0((byte)mode, pattern), Bytes.Line("after"), Bytes.Cut));

        var image = Assert.Single(Images(sink));
        Assert.Equal(16 * scaleX, image.WidthDots);
        Assert.Equal(3 * scaleY, image.HeightDots);
        AssertScaled(pattern, image, scaleX, scaleY);
        Assert.EndsWith("after\n", ReceiptRenderer.ToText(sink.Cuts[0].Document, 48), StringComparison.Ordinal);
        Assert.Empty(sink.Diagnostics);
    }

    [Theory]
    [InlineData(1, 1, 50)]
    [InlineData(2, 1, 50)]
    [InlineData(1, 2, 50)]
    [InlineData(2, 2, 50)]
    [InlineData(1, 1, 2)]
    [InlineData(2, 2, 2)]
    public void GsParenL_EachScaleAndPrintFunction_DotsScaledAsPrinted(int scaleX, int scaleY, int printFunction)
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(GsL112(Pattern, bx: (byte)scaleX, by: (byte)scaleY), GsLPrint((byte)printFunction), Bytes.Line("after"), Bytes.Cut));

        var image = Assert.Single(Images(sink));
        Assert.Equal(13 * scaleX, image.WidthDots);
        Assert.Equal(3 * scaleY, image.HeightDots);
        AssertScaled(Pattern, image, scaleX, scaleY);
        Assert.Empty(sink.Diagnostics);
    }

    [Fact]
    public void GsParenL_WidthNotMultipleOf8_KeepsItsWidthPaddingBitsNotPrinted()
    {
        var (interpreter, sink) = RecordingSink.Create();

        interpreter.Feed(Bytes.Concat(GsL112(Pattern), GsLPrint(50), Bytes.Cut));

        var image = Assert.Single(Images(sink));
        Assert.Equal(13, image.WidthDots);
        Assert.Equal(2 * 3, image.Bits!.Length);
        for (var y = 0; y < 3; y++)
        {
            // Dots 13-15 of each row were 1 in the data: padding, not paper.
            Assert.Equal(0, image.Bits[(y * 2) + 1] & 0x07);
        }

        var png = image.ToPng()!;
        Assert.Equal(13, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        var printed = new PrintedImage(image.WidthDots, image.HeightDots, image.Bits);
        Assert.True(printed[12, 0] == Pattern[12, 0] && printed[12, 2] == Pattern[12, 2]);
    }

    [Fact]
    public void GsV0AndGsParenL_ArrivingOneByteAtATime_DecodedWhole()
    {
        var (interpreter, sink) = RecordingSink.Create();
        var pattern = MakePattern(24, 5);
        var stream = Bytes.Concat(GsV0(0, pattern), GsL112(Pattern, bx: 2), GsLPrint(50), Bytes.Line("after"), Bytes.Cut);

        foreach (var b in stream)
        {
            interpreter.Feed([b]);
        }

        var images = Images(sink);
        Assert.Equal(2, images.Count);
        AssertScaled(pattern, images[0], 1, 1);
        AssertScaled(Pattern, images[1], 2, 1);
        Assert.Empty(sink.Diagnostics);
        Assert.Equal(stream.Length, interpreter.Offset);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "GS v 0 height 0", [0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x00, 0x00], "outside 1-255 x 1-4095" },
        { "GS v 0 width 0", [0x1D, 0x76, 0x30, 0x00, 0x00, 0x00, 0x03, 0x00], "outside 1-255 x 1-4095" },
        { "GS v 0 mode 4", [0x1D, 0x76, 0x30, 0x04, 0x01, 0x00, 0x02, 0x00, 0xFF, 0xFF], "invalid mode m=4" },
        { "GS v 0 mode '4'", [0x1D, 0x76, 0x30, 0x34, 0x01, 0x00, 0x01, 0x00, 0xFF], "invalid mode m=52" },
        { "GS v 1", [0x1D, 0x76, 0x31, 0x00, 0x20, 0x20, 0x20, 0x20], "expected '0' after GS v" },
        { "GS ( L a=49", GsL112(Pattern, a: 49), "not a monochrome raster" },
        { "GS ( L c=50", GsL112(Pattern, c: 50), "not a monochrome raster" },
        { "GS ( L bx=3", GsL112(Pattern, bx: 3), "must be 1 or 2" },
        { "GS ( L by=0", GsL112(Pattern, by: 0), "must be 1 or 2" },
        { "GS ( L width 0", [0x1D, 0x28, 0x4C, 0x0A, 0x00, 0x30, 0x70, 0x30, 0x01, 0x01, 0x31, 0x00, 0x00, 0x01, 0x00], "outside 1-2400" },
        { "GS ( L data short of its size", [0x1D, 0x28, 0x4C, 0x0C, 0x00, 0x30, 0x70, 0x30, 0x01, 0x01, 0x31, 0x10, 0x00, 0x02, 0x00, 0xFF, 0xFF], "needs 4 data bytes, the block has 2" },
        { "GS ( L fn 112 header short", [0x1D, 0x28, 0x4C, 0x06, 0x00, 0x30, 0x70, 0x30, 0x01, 0x01, 0x31], "header of 6 bytes is shorter than 10" },
        { "GS ( L block short", [0x1D, 0x28, 0x4C, 0x01, 0x00, 0x30], "shorter than its m and fn" },
        { "GS ( L print, none stored", GsLPrint(50), "none stored" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Feed_MalformedRasterCommand_ReportedNothingPrintedTextAfterItKept(string name, byte[] command, string message)
    {
        var (interpreter, sink) = RecordingSink.Create();
        var before = Bytes.Line("before");

        interpreter.Feed(Bytes.Concat(before, command, [0x0A], Bytes.Line("after"), Bytes.Cut));

        var (offset, diagnostic) = Assert.Single(sink.Diagnostics, d => d.Message.Contains(message, StringComparison.Ordinal));
        Assert.True(offset == before.Length, $"{name}: reported at offset {offset}, the command starts at {before.Length}");
        Assert.Empty(Images(sink));
        var text = ReceiptRenderer.ToText(Assert.Single(sink.Cuts).Document, 48);
        Assert.StartsWith("before\n", text, StringComparison.Ordinal);
        Assert.EndsWith("after\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[image", diagnostic + text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GS v 0")]
    [InlineData("GS ( L")]
    public void Feed_RasterCutShortThenBufferCleared_DroppedAndTheNextReceiptPrints(string command)
    {
        var (interpreter, sink) = RecordingSink.Create();
        var pattern = MakePattern(16, 10);
        var whole = command == "GS v 0" ? GsV0(0, pattern) : GsL112(pattern);
        var cutShort = whole[..(whole.Length - 7)];

        interpreter.Feed(Bytes.Concat(Bytes.Line("before"), cutShort));

        // The printer waits for the rest of the image: nothing printed, nothing thrown, nothing wrong yet.
        Assert.Empty(sink.Cuts);
        Assert.Empty(sink.Diagnostics);
        Assert.DoesNotContain(interpreter.Pending.Blocks, b => b is ImageBlock);

        interpreter.DiscardIncompleteCommand();
        interpreter.Feed(Bytes.Concat(Bytes.Line("after"), Bytes.Cut));

        // A clear is the host's recovery (paper out, a stuck job), not malformed input: dropped silently
        // (PrinterTests.ClearBuffers_PaperRanOutMidCommand_NextStatusRequestIsNotTakenAsItsParameter).
        Assert.Empty(sink.Diagnostics);
        Assert.Empty(Images(sink));
        Assert.Equal("before\nafter\n", ReceiptRenderer.ToText(Assert.Single(sink.Cuts).Document, 48));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Feed_RandomRasterHeadersAndTruncations_NeverThrowsImagesWellFormed(int seed)
    {
        var random = new Random(seed);
        var (interpreter, sink) = RecordingSink.Create();

        for (var i = 0; i < 300; i++)
        {
            var width = random.Next(0, 40);
            var height = random.Next(0, 12);
            byte[] command = random.Next(3) switch
            {
                0 => [0x1D, 0x76, 0x30, (byte)random.Next(0, 60), (byte)width, 0, (byte)height, 0],
                1 => [0x1D, 0x28, 0x4C, 0, 0, 0x30, 0x70, (byte)(random.Next(2) == 0 ? 48 : random.Next(256)), (byte)random.Next(0, 4), (byte)random.Next(0, 4), (byte)(random.Next(2) == 0 ? 49 : random.Next(256)), (byte)width, 0, (byte)height, 0],
                _ => GsLPrint((byte)random.Next(0, 256)),
            };
            var data = new byte[random.Next(0, 80)];
            random.NextBytes(data);
            var all = Bytes.Concat(command, data);
            if (all[2] == 0x4C && all.Length >= 15)
            {
                var declared = random.Next(2) == 0 ? all.Length - 5 : random.Next(0, 100);
                (all[3], all[4]) = ((byte)declared, (byte)(declared >> 8));
            }

            interpreter.Feed(all[..random.Next(0, all.Length + 1)]);
            if (random.Next(4) == 0)
            {
                interpreter.DiscardIncompleteCommand();
                interpreter.Feed(Bytes.Cut);
            }
        }

        interpreter.DiscardIncompleteCommand();
        interpreter.Feed(Bytes.Concat(Bytes.Init, Bytes.Line("end"), Bytes.Cut));

        Assert.NotEmpty(sink.Cuts);
        Assert.EndsWith("end\n", ReceiptRenderer.ToText(sink.Cuts[^1].Document, 48), StringComparison.Ordinal);
        Assert.All(Images(sink), image => Assert.Equal((image.WidthDots + 7) / 8 * image.HeightDots, image.Bits!.Length));
    }

    private static List<ImageBlock> Images(RecordingSink sink) =>
        [.. sink.Cuts.SelectMany(c => c.Document.Blocks).OfType<ImageBlock>().Where(i => i.Bits is not null)];

    private static void AssertScaled(bool[,] source, ImageBlock image, int scaleX, int scaleY)
    {
        var printed = new PrintedImage(image.WidthDots, image.HeightDots, image.Bits!);
        for (var y = 0; y < image.HeightDots; y++)
        {
            for (var x = 0; x < image.WidthDots; x++)
            {
                Assert.True(source[x / scaleX, y / scaleY] == printed[x, y], $"dot ({x}, {y}) of a x{scaleX} y{scaleY} image");
            }
        }
    }

    /// <summary>Dots that differ from row to row and column to column (no two rows equal, some black, some white).</summary>
    private static bool[,] MakePattern(int width, int height)
    {
        var dots = new bool[width, height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                dots[x, y] = ((x * 7) + (y * 3) + (x * y)) % 5 < 2;
            }
        }

        return dots;
    }

    /// <summary>Rows MSB first, (width + 7) / 8 bytes each, the padding bits set to 1.</summary>
    private static byte[] Pack(bool[,] dots)
    {
        var (width, height) = (dots.GetLength(0), dots.GetLength(1));
        var row = (width + 7) / 8;
        var bytes = new byte[row * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < row * 8; x++)
            {
                if (x >= width || dots[x, y])
                {
                    bytes[(y * row) + (x >> 3)] |= (byte)(0x80 >> (x & 7));
                }
            }
        }

        return bytes;
    }

    private static byte[] GsV0(byte mode, bool[,] dots)
    {
        var (width, height) = (dots.GetLength(0), dots.GetLength(1));
        Assert.Equal(0, width % 8);
        return Bytes.Concat([0x1D, 0x76, 0x30, mode, (byte)(width / 8), (byte)(width / 8 >> 8), (byte)height, (byte)(height >> 8)], Pack(dots));
    }

    private static byte[] GsL112(bool[,] dots, byte a = 48, byte bx = 1, byte by = 1, byte c = 49)
    {
        var (width, height) = (dots.GetLength(0), dots.GetLength(1));
        var data = Pack(dots);
        var length = 10 + data.Length;
        return Bytes.Concat([0x1D, 0x28, 0x4C, (byte)length, (byte)(length >> 8), 0x30, 0x70, a, bx, by, c, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8)], data);
    }

    private static byte[] GsLPrint(byte function) => [0x1D, 0x28, 0x4C, 0x02, 0x00, 0x30, function];
}
