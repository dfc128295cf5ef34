using Microsoft.Playwright;
using PosAgent.Agent;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Devices.Printing;
using PosAgent.TestSupport;
using SkiaSharp;
using Xunit.Abstractions;

namespace FirmwareSim.WebConsole.Tests;

/// <summary>
/// A real agent prints a sale in each receipt language through firmware-sim; the simulator's HTML
/// receipt is opened in headless chromium and screenshotted (kept in the test output,
/// screenshots/receipt-LANG.png, path printed). Lines the printer's code page cannot carry
/// (Persian, Kazakh letters) arrive as raster images: the browser shows them at the printer's dot
/// width, and the screenshot is dark where the printer printed dots.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReceiptScreenshotTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const string Profile = "epson-80mm-42-wpc1251";

    [Theory]
    // language, store name, a label printed as text, a label printed as an image (null: none), raster lines at least
    [InlineData("en", "Green Pharmacy", "TOTAL", null, 0)]
    [InlineData("ru", "Аптека «Зелёная»", "ИТОГО", null, 0)]
    [InlineData("kk", "Жасыл дәріхана", "Сату чегі", "БАРЛЫҒЫ", 2)]
    [InlineData("fa", "داروخانه سبز", null, "جمع کل", 5)]
    public async Task SaleReceipt_EachLanguage_ScreenshotShowsTextAndRasterLinesAtThePrintersWidth(string language, string store, string? textLabel, string? imageLabel, int minRasterLines)
    {
        var dots = PrinterProfile.Known[Profile].DotsPerLine;
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await using var agent = await lane.StartAgentAsync(o =>
        {
            o.Devices.PrinterProfile = Profile;
            o.Devices.ReceiptLanguage = language;
            o.Devices.ReceiptHeader = store;
            o.Devices.StoreTaxId = "123456789012";
        });
        using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);
        var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Paracetamol 500", Category = "medical", UnitPriceMinor = 125_000, Quantity = 2 }).WithTimeout();
        await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 250_000 }, PrintReceipt = true }).WithTimeout();
        var printed = await lane.Lane.Printer.WaitForReceiptAsync(1).WithTimeout(ConsoleLane.Patience);
        Assert.NotNull(printed.HtmlPath);

        await lane.Page.GotoAsync(new Uri(printed.HtmlPath!).AbsoluteUri);
        var paper = lane.Page.Locator(".paper");
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", $"receipt-{language}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var shot = await paper.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        output.WriteLine($"screenshot of the {language} receipt: {path}");

        // The whole receipt is on the screenshot, not blank.
        using (var bitmap = SKBitmap.Decode(shot))
        {
            Assert.True(Dark(bitmap) > 2000, $"{path}: only {Dark(bitmap)} dark pixels");
        }

        var text = await paper.InnerTextAsync();
        if (textLabel is not null)
        {
            Assert.Contains(textLabel, text, StringComparison.Ordinal);
        }

        var images = lane.Page.Locator(".raster img");
        var count = await images.CountAsync();
        Assert.Equal(printed.Images.Count, count);
        Assert.True(count >= minRasterLines, $"{count} raster lines, expected at least {minRasterLines}");
        if (imageLabel is not null)
        {
            // The label is on paper only as dots: not in the page's text, and there are images for it.
            Assert.DoesNotContain(imageLabel, text, StringComparison.Ordinal);
        }

        if (minRasterLines == 0)
        {
            Assert.Equal(0, count);
            return;
        }

        var paperBox = (await paper.BoundingBoxAsync())!;
        for (var i = 0; i < count; i++)
        {
            var image = images.Nth(i);
            var natural = await image.EvaluateAsync<int[]>("i => [i.complete ? i.naturalWidth : -1, i.naturalHeight]");
            var decoded = printed.Images[i];
            Assert.Equal([dots, decoded.HeightDots], natural);
            Assert.Equal(dots, decoded.WidthDots);

            // Drawn on the paper, not cut off, and dark where the printer printed dots (in about the same share).
            var box = (await image.BoundingBoxAsync())!;
            Assert.True(box.X >= paperBox.X && box.X + box.Width <= paperBox.X + paperBox.Width + 0.5, $"raster line {i} at {box.X}+{box.Width} leaves the paper {paperBox.X}+{paperBox.Width}");
            Assert.True(box.Width > paperBox.Width * 0.8, $"raster line {i} is {box.Width} px wide on {paperBox.Width} px of paper");
            using var lineShot = SKBitmap.Decode(await image.ScreenshotAsync());
            var black = BlackShare(decoded);
            var dark = Dark(lineShot) / (double)(lineShot.Width * lineShot.Height);
            Assert.True(black > 0.01, $"raster line {i}: only {black:P1} of its dots are black");
            Assert.True(dark > black * 0.4 && dark < black * 2.5, $"raster line {i}: {dark:P1} of the screenshot is dark, {black:P1} of the printed dots are black");
        }
    }

    private static int Dark(SKBitmap bitmap)
    {
        var n = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                n += c.Red + c.Green + c.Blue < 3 * 128 ? 1 : 0;
            }
        }

        return n;
    }

    private static double BlackShare(PrintedImage image)
    {
        var n = 0;
        for (var y = 0; y < image.HeightDots; y++)
        {
            for (var x = 0; x < image.WidthDots; x++)
            {
                n += image[x, y] ? 1 : 0;
            }
        }

        return n / (double)(image.WidthDots * image.HeightDots);
    }
}
