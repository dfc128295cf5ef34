using PosAgent.Devices.Printing;
using PosAgent.Devices.Printing.Raster;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;
using SkiaSharp;
using SkiaSharp.HarfBuzz;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Tests.Printing;

/// <summary>Persian (right-to-left, joined letters) printed as raster through firmware-sim on a real pty, compared with an independent rendering.</summary>
public sealed class RasterReceiptTests : IAsyncLifetime
{
    private const string Persian = "امتیاز کسب شده";
    private readonly TempDirectory _dir = new("pa-raster-");
    private readonly EventRecorder _events = new();
    private ReceiptPrinter? _printer;
    private Sim.SimulatedPrinter? _sim;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _printer?.Dispose();
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Theory]
    [InlineData("Остаток баллов", false)]
    [InlineData("Бонус қалдығы", true)] // Kazakh letters are in neither CP866 nor WPC1251
    [InlineData(Persian, true)]
    public void NeedsRaster_Wpc1251Profile_OnlyWhereTheCodePageFallsShort(string text, bool raster) =>
        Assert.Equal(raster, new ReceiptBuilder(PrinterProfile.Known["epson-80mm-42-wpc1251"]).NeedsRaster(text));

    [Theory]
    [InlineData("epson-80mm-wpc1251")]
    [InlineData("epson-80mm-gsl-wpc1251")]
    public async Task Print_PersianLine_SimulatorDecodesTheSameDotsAsAnIndependentRendering(string profileName)
    {
        var profile = PrinterProfile.Known[profileName];
        _sim = Sim.SimulatedPrinter.Start(new Sim.PrinterOptions { Name = "sim-printer", LinkPath = _dir.File("printer"), Baud = 115200, CharsPerLine = 48 });
        _printer = new ReceiptPrinter(new PrinterOptions
        {
            Name = "lane1-printer",
            Transport = new TransportOptions { Kind = TransportKind.Serial, Path = _dir.File("printer"), Baud = 115200 },
            Profile = profile,
            QueuePath = _dir.File("queue.db"),
        });
        _printer.EventRaised += _events.Add;
        _printer.Start();
        var receipt = new ReceiptBuilder(profile).Line("Total 1 250 000").Line(Persian).Cut().Build();
        Assert.Equal(1, receipt.RasterImages);

        var id = _printer.Print(receipt);
        await _events.Next<PrintJobEvent>(e => e.JobId == id && e.State == PrintJobState.Completed, TimeSpan.FromSeconds(30));
        var printed = await _sim.WaitForReceiptAsync(1).WithTimeout();

        Assert.Contains("Total 1 250 000", printed.Text, StringComparison.Ordinal);
        var image = Assert.Single(printed.Images);
        Assert.Equal(576, image.WidthDots);
        File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, $"raster-{profileName}.png"), image.ToPng());
        var expected = Independent(Persian, image.WidthDots, image.HeightDots, shaped: true);
        var unshaped = Independent(Persian, image.WidthDots, image.HeightDots, shaped: false);
        var black = Count(image, (x, y) => image[x, y]);
        Assert.True(black > 300, $"only {black} black dots");
        var diff = Count(image, (x, y) => image[x, y] != expected[x, y]);
        var diffUnshaped = Count(image, (x, y) => image[x, y] != unshaped[x, y]);
        Assert.True(diff < black / 10, $"{diff} dots differ from the independent rendering ({black} black)");
        // The comparison can fail: letters drawn unjoined, left to right, differ by far more.
        Assert.True(diffUnshaped > black / 3, $"unshaped rendering differs by only {diffUnshaped} dots");
    }

    private static int Count(Sim.PrintedImage image, Func<int, int, bool> predicate)
    {
        var n = 0;
        for (var y = 0; y < image.HeightDots; y++)
        {
            for (var x = 0; x < image.WidthDots; x++)
            {
                n += predicate(x, y) ? 1 : 0;
            }
        }

        return n;
    }

    /// <summary>
    /// SkiaSharp.HarfBuzz's own DrawShapedText (one HarfBuzz run, direction guessed), right-aligned,
    /// or Skia's plain DrawText (no shaping, left to right) as the wrong answer.
    /// </summary>
    private static bool[,] Independent(string text, int width, int height, bool shaped)
    {
        using var typeface = SKTypeface.FromFile(RasterTextRenderer.DefaultFontPath);
        using var font = new SKFont(typeface, 22) { Edging = SKFontEdging.Alias, Hinting = SKFontHinting.Full };
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = false })
        {
            canvas.Clear(SKColors.White);
            var baseline = 1 - font.Metrics.Ascent;
            if (shaped)
            {
                using var shaper = new SKShaper(typeface);
                canvas.DrawShapedText(shaper, text, width - shaper.Shape(text, font).Width, baseline, SKTextAlign.Left, font, paint);
            }
            else
            {
                canvas.DrawText(text, width - font.MeasureText(text), baseline, SKTextAlign.Left, font, paint);
            }
        }

        var dots = new bool[width, height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                dots[x, y] = bitmap.GetPixel(x, y).Red < 128;
            }
        }

        return dots;
    }
}
