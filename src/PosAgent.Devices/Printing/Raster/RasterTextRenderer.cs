using HarfBuzzSharp;
using PosAgent.Devices.Interop;
using SkiaSharp;
using SkiaSharp.HarfBuzz;

namespace PosAgent.Devices.Printing.Raster;

/// <summary>
/// Draws receipt lines as 1-bit images at the printer's dot width, for scripts its code page cannot
/// print (Persian, Arabic): ICU's bidirectional algorithm orders the runs, HarfBuzz shapes each run
/// (joined letter forms), Skia draws them, and a threshold makes the dots. One renderer per font and
/// width is shared (loading a typeface costs milliseconds); calls are serialised.
/// </summary>
public sealed class RasterTextRenderer : IDisposable
{
    /// <summary>DejaVu Sans from Debian's fonts-dejavu-core: Latin, Cyrillic (incl. Kazakh) and Arabic with Persian letters.</summary>
    public const string DefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    private const int Gap = 12; // dots between a label and its value: one character of font A
    private static readonly Dictionary<(string, int), RasterTextRenderer> Shared = [];

    private readonly Lock _lock = new();
    private readonly SKTypeface _typeface;
    private readonly SKShaper _shaper;
    private readonly SKFont _font;
    private readonly SKFont _largeFont;

    public RasterTextRenderer(string fontPath, int widthDots)
    {
        ArgumentNullException.ThrowIfNull(fontPath);
        if (widthDots is < 8 or > 2040 || widthDots % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(widthDots), widthDots, "Dot width must be a multiple of 8 up to 2040.");
        }

        _typeface = SKTypeface.FromFile(fontPath)
            ?? throw new FileNotFoundException($"Raster receipts: font '{fontPath}' cannot be loaded (Debian: apt-get install fonts-dejavu-core).", fontPath);
        _shaper = new SKShaper(_typeface);
        // Font A is 12x24 dots: a 22-dot font keeps a raster line as tall and wide as a text line.
        _font = new SKFont(_typeface, 22) { Edging = SKFontEdging.Alias, Hinting = SKFontHinting.Full };
        _largeFont = new SKFont(_typeface, 44) { Edging = SKFontEdging.Alias, Hinting = SKFontHinting.Full };
        WidthDots = widthDots;
    }

    public int WidthDots { get; }

    /// <summary>The renderer for a font and width, created once per process.</summary>
    public static RasterTextRenderer For(string fontPath, int widthDots)
    {
        lock (Shared)
        {
            if (!Shared.TryGetValue((fontPath, widthDots), out var renderer))
            {
                renderer = new RasterTextRenderer(fontPath, widthDots);
                Shared[(fontPath, widthDots)] = renderer;
            }

            return renderer;
        }
    }

    /// <summary>
    /// One paragraph, wrapped at spaces to the width, as one image. A right-to-left paragraph starts
    /// at the right edge when <paramref name="alignment"/> is Left (the start of the line).
    /// </summary>
    public RasterImage Line(string text, ReceiptAlignment alignment, bool bold = false, bool large = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock)
        {
            var font = large ? _largeFont : _font;
            var rows = Wrap(text, font).ToList();
            return Draw(font, rows.Count, (canvas, paint, row, baseline) =>
            {
                var shaped = Shape(rows[row], font);
                var x = Start(shaped, alignment);
                DrawShaped(canvas, shaped, x, baseline, font, paint, bold);
            });
        }
    }

    /// <summary>
    /// A label and a value at opposite edges (the label at the start: left, or right in a right-to-left
    /// label). The value is never cut: a label too long for the room left is wrapped onto lines above.
    /// </summary>
    public RasterImage Columns(string label, string value, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            var shapedValue = Shape(value, _font);
            var room = WidthDots - shapedValue.Width - Gap;
            var labelRows = Wrap(label, _font, (int)Math.Max(room, WidthDots / 4)).ToList();
            if (labelRows.Count == 0)
            {
                labelRows.Add(string.Empty);
            }

            var rtl = Shape(label, _font).RightToLeft;
            var fitsBeside = Shape(labelRows[^1], _font).Width <= room;
            var rowCount = labelRows.Count + (fitsBeside ? 0 : 1);
            return Draw(_font, rowCount, (canvas, paint, row, baseline) =>
            {
                if (row < labelRows.Count)
                {
                    var shaped = Shape(labelRows[row], _font);
                    DrawShaped(canvas, shaped, rtl ? WidthDots - shaped.Width : 0, baseline, _font, paint, bold);
                }

                if (row == rowCount - 1)
                {
                    DrawShaped(canvas, shapedValue, rtl ? 0 : WidthDots - shapedValue.Width, baseline, _font, paint, bold);
                }
            });
        }
    }

    public void Dispose()
    {
        _font.Dispose();
        _largeFont.Dispose();
        _shaper.Dispose();
        _typeface.Dispose();
    }

    private float Start(ShapedLine shaped, ReceiptAlignment alignment) => alignment switch
    {
        ReceiptAlignment.Center => (WidthDots - shaped.Width) / 2,
        ReceiptAlignment.Right => WidthDots - shaped.Width,
        _ => shaped.RightToLeft ? WidthDots - shaped.Width : 0,
    };

    private RasterImage Draw(SKFont font, int rows, Action<SKCanvas, SKPaint, int, float> drawRow)
    {
        var metrics = font.Metrics;
        var rowHeight = (int)Math.Ceiling(metrics.Descent - metrics.Ascent) + 2;
        var height = Math.Max(1, rows) * rowHeight;
        using var bitmap = new SKBitmap(new SKImageInfo(WidthDots, height, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = false })
        {
            canvas.Clear(SKColors.White);
            for (var row = 0; row < rows; row++)
            {
                drawRow(canvas, paint, row, (row * rowHeight) + 1 - metrics.Ascent);
            }
        }

        return Threshold(bitmap);
    }

    private static RasterImage Threshold(SKBitmap bitmap)
    {
        var widthBytes = bitmap.Width / 8;
        var bits = new byte[widthBytes * bitmap.Height];
        var pixels = bitmap.GetPixelSpan();
        var stride = bitmap.RowBytes;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                // Thermal dots are on or off: anything darker than mid-grey burns.
                if (pixels[(y * stride) + x] < 128)
                {
                    bits[(y * widthBytes) + (x >> 3)] |= (byte)(0x80 >> (x & 7));
                }
            }
        }

        return new RasterImage(bitmap.Width, bitmap.Height, bits);
    }

    private IEnumerable<string> Wrap(string text, SKFont font, int? widthDots = null)
    {
        var width = widthDots ?? WidthDots;
        foreach (var paragraph in text.Split('\n'))
        {
            var words = paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                yield return string.Empty;
                continue;
            }

            var line = string.Empty;
            foreach (var word in words)
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && Shape(candidate, font).Width > width)
                {
                    yield return line;
                    line = word;
                }
                else
                {
                    line = candidate;
                }
            }

            yield return line;
        }
    }

    private ShapedLine Shape(string text, SKFont font)
    {
        var (runs, rtl) = IcuBidi.VisualRuns(text);
        var shapedRuns = new List<SKShaper.Result>(runs.Count);
        float width = 0;
        foreach (var run in runs)
        {
            using var buffer = new HarfBuzzSharp.Buffer();
            buffer.AddUtf16(text.AsSpan(run.Start, run.Length));
            buffer.Direction = run.RightToLeft ? Direction.RightToLeft : Direction.LeftToRight;
            buffer.GuessSegmentProperties();
            var result = _shaper.Shape(buffer, font);
            shapedRuns.Add(result);
            width += result.Width;
        }

        return new ShapedLine(shapedRuns, width, rtl);
    }

    private static void DrawShaped(SKCanvas canvas, ShapedLine line, float x, float baseline, SKFont font, SKPaint paint, bool bold)
    {
        foreach (var run in line.Runs)
        {
            if (run.Codepoints.Length > 0)
            {
                using var builder = new SKTextBlobBuilder();
                var blobRun = builder.AllocatePositionedRun(font, run.Codepoints.Length);
                var glyphs = blobRun.Glyphs;
                var positions = blobRun.Positions;
                for (var i = 0; i < run.Codepoints.Length; i++)
                {
                    glyphs[i] = (ushort)run.Codepoints[i];
                    positions[i] = run.Points[i];
                }

                using var blob = builder.Build();
                if (blob is not null)
                {
                    canvas.DrawText(blob, x, baseline, paint);
                    if (bold)
                    {
                        // Emphasis as the printer does it: the same dots again, one dot to the right.
                        canvas.DrawText(blob, x + 1, baseline, paint);
                    }
                }
            }

            x += run.Width;
        }
    }

    private sealed record ShapedLine(IReadOnlyList<SKShaper.Result> Runs, float Width, bool RightToLeft);
}
