using System.Globalization;
using System.Text;
using PosAgent.Devices.Printing.Raster;

namespace PosAgent.Devices.Printing;

/// <summary>Horizontal alignment of printed lines.</summary>
public enum ReceiptAlignment
{
    /// <summary>Left (default).</summary>
    Left = 0,

    /// <summary>Centred.</summary>
    Center = 1,

    /// <summary>Right.</summary>
    Right = 2,
}

/// <summary>QR error correction level.</summary>
public enum QrErrorCorrection
{
    /// <summary>~7 %.</summary>
    L = 0,

    /// <summary>~15 % (default).</summary>
    M = 1,

    /// <summary>~25 %.</summary>
    Q = 2,

    /// <summary>~30 %.</summary>
    H = 3,
}

/// <summary>
/// Builds an ESC/POS receipt for one printer profile: text in the profile's code page (unmappable
/// characters become '?' and are listed), lines fitted to its width, barcodes, QR, cut, drawer kick.
/// Lines the code page cannot carry, and right-to-left lines, are drawn as raster images when the
/// profile allows (<see cref="PrinterProfile.Raster"/>); barcodes and QR codes stay native.
/// </summary>
public sealed class ReceiptBuilder
{
    private const byte Esc = 0x1B;
    private const byte Gs = 0x1D;
    private const byte Lf = 0x0A;

    private readonly PrinterProfile _profile;
    private readonly SortedSet<string> _replaced = new(StringComparer.Ordinal);
    private readonly Encoding _encoding;
    private readonly List<byte> _bytes = [];
    private readonly List<int> _boundaries = [];
    private readonly StringBuilder _text = new();
    private bool _doubleWidth;
    private bool _bold;
    private ReceiptAlignment _alignment;
    private int _rasterImages;

    public ReceiptBuilder(PrinterProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profile = profile;
        _encoding = ReceiptEncoding.Recording(profile.CodePage, _replaced);
        Command(Esc, (byte)'@');
        Command(Esc, (byte)'t', (byte)profile.CodeTable);
    }

    /// <summary>Characters that fit on one line at the current size.</summary>
    public int Width => _doubleWidth ? _profile.CharsPerLine / 2 : _profile.CharsPerLine;

    /// <summary>ESC a n.</summary>
    public ReceiptBuilder Align(ReceiptAlignment alignment)
    {
        if (!Enum.IsDefined(alignment))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "Unknown alignment.");
        }

        _alignment = alignment;
        return Command(Esc, (byte)'a', (byte)alignment);
    }

    /// <summary>ESC E n.</summary>
    public ReceiptBuilder Bold(bool on = true)
    {
        _bold = on;
        return Command(Esc, (byte)'E', on ? (byte)1 : (byte)0);
    }

    /// <summary>GS ! n: double width and/or height; double width halves <see cref="Width"/>.</summary>
    public ReceiptBuilder Size(bool doubleWidth, bool doubleHeight)
    {
        _doubleWidth = doubleWidth;
        return Command(Gs, (byte)'!', (byte)((doubleWidth ? 0x10 : 0) | (doubleHeight ? 0x01 : 0)));
    }

    /// <summary>Double width and height on or off.</summary>
    public ReceiptBuilder DoubleSize(bool on = true) => Size(on, on);

    /// <summary>Prints text, wrapped at word boundaries to the line width, and ends the line.</summary>
    public ReceiptBuilder Line(string text = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (NeedsRaster(text))
        {
            return RasterText(Renderer.Line(text, _alignment, _bold, large: _doubleWidth), text);
        }

        foreach (var line in Wrap(text, Width))
        {
            PrintLine(line);
        }

        return this;
    }

    /// <summary>A full-width rule of <paramref name="c"/>.</summary>
    public ReceiptBuilder Rule(char c = '-') => PrintLine(new string(c, Width));

    /// <summary>Left text and right text on one line (e.g. item and price); the left side is cut to fit.</summary>
    public ReceiptBuilder Columns(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (NeedsRaster(left + right))
        {
            return RasterText(Renderer.Columns(left, right, _bold), left + " " + right);
        }

        if (right.Length >= Width)
        {
            // The value (an amount, a check id) is never cut: the label gets its own line, the value wraps.
            if (left.Length > 0)
            {
                Line(left);
            }

            return Line(right);
        }

        var room = Width - right.Length - 1;
        var l = left.Length > room ? left[..room] : left;
        return PrintLine(l.PadRight(Width - right.Length) + right);
    }

    /// <summary>Several columns with widths in characters summing to at most the line width; each cell cut to fit.</summary>
    public ReceiptBuilder Columns(params (string Text, int Width, ReceiptAlignment Align)[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var total = cells.Sum(c => c.Width);
        if (total > Width || cells.Any(c => c.Width <= 0))
        {
            throw new ArgumentException($"Column widths sum to {total}; the line holds {Width} characters.", nameof(cells));
        }

        var sb = new StringBuilder();
        foreach (var (text, width, align) in cells)
        {
            var cell = text.Length > width ? text[..width] : text;
            sb.Append(align switch
            {
                ReceiptAlignment.Right => cell.PadLeft(width),
                ReceiptAlignment.Center => cell.PadLeft((width + cell.Length) / 2).PadRight(width),
                _ => cell.PadRight(width),
            });
        }

        return PrintLine(sb.ToString().TrimEnd());
    }

    /// <summary>
    /// A 1-bit image (GS v 0, or GS ( L when the profile says so), in bands of at most 256 rows so
    /// status requests can be slipped in between them.
    /// </summary>
    public ReceiptBuilder Image(RasterImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.WidthDots > _profile.DotsPerLine)
        {
            throw new ArgumentException($"Image of {image.WidthDots} dots is wider than the profile's {_profile.DotsPerLine}.", nameof(image));
        }

        const int band = 256;
        var rowBytes = image.WidthBytes;
        for (var top = 0; top < image.HeightDots; top += band)
        {
            var rows = Math.Min(band, image.HeightDots - top);
            var data = image.Bits.AsSpan(top * rowBytes, rows * rowBytes);
            if (_profile.RasterCommand == RasterCommand.GsParenL)
            {
                // fn 112: a=48 (monochrome), bx=by=1, c=49 (first colour); then fn 50 prints the buffer.
                var length = 10 + data.Length;
                Command([Gs, (byte)'(', (byte)'L', (byte)(length & 0xFF), (byte)(length >> 8), 48, 112, 48, 1, 1, 49,
                    (byte)(image.WidthDots & 0xFF), (byte)(image.WidthDots >> 8), (byte)(rows & 0xFF), (byte)(rows >> 8), .. data]);
                Command(Gs, (byte)'(', (byte)'L', 2, 0, 48, 50);
            }
            else
            {
                Command([Gs, (byte)'v', (byte)'0', 0, (byte)(rowBytes & 0xFF), (byte)(rowBytes >> 8), (byte)(rows & 0xFF), (byte)(rows >> 8), .. data]);
            }
        }

        _rasterImages++;
        return this;
    }

    /// <summary>True when <paramref name="text"/> goes out as an image under this profile.</summary>
    public bool NeedsRaster(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _profile.Raster switch
        {
            RasterMode.Always => true,
            RasterMode.Never => false,
            // Scripts, not symbols: a letter the code page lacks makes the line an image; a ruble sign
            // or an emoji alone stays text and prints as a reported '?'.
            _ => text.Any(IsRightToLeft) || text.Any(c => char.IsLetter(c) && !ReceiptEncoding.CanEncode(_profile.CodePage, c.ToString())),
        };
    }

    /// <summary>An amount in minor units as "1 234.50" (two decimals, space thousands), for price columns.</summary>
    public static string Money(long minorUnits) =>
        (minorUnits / 100m).ToString("#,0.00", new NumberFormatInfo { NumberGroupSeparator = " ", NumberDecimalSeparator = "." });

    /// <summary>EAN-13 barcode (GS k 67) from 12 digits (check digit added) or 13 (verified), with the digits printed below.</summary>
    public ReceiptBuilder Ean13(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Length == 12 && Scanning.CheckDigits.AllDigits(digits))
        {
            digits += Scanning.CheckDigits.Gs1CheckDigit(digits).ToString(CultureInfo.InvariantCulture);
        }
        else if (digits.Length != 13 || !Scanning.CheckDigits.IsValidGs1(digits))
        {
            throw new ArgumentException($"EAN-13 needs 12 digits or 13 with a correct check digit; got '{digits}'.", nameof(digits));
        }

        BarcodeSetup();
        Command([Gs, (byte)'k', 67, 13, .. Encoding.ASCII.GetBytes(digits)]);
        _text.Append("[EAN-13 ").Append(digits).AppendLine("]");
        return this;
    }

    /// <summary>Code 128 barcode (GS k 73, code set B) of printable ASCII, up to 120 characters.</summary>
    public ReceiptBuilder Code128(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length is 0 or > 120 || data.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException("Code 128 data must be 1-120 printable ASCII characters.", nameof(data));
        }

        // In code set B a literal '{' is sent as "{{" ('{' introduces code set and function selectors).
        var payload = Encoding.ASCII.GetBytes("{B" + data.Replace("{", "{{", StringComparison.Ordinal));
        BarcodeSetup();
        Command([Gs, (byte)'k', 73, (byte)payload.Length, .. payload]);
        _text.Append("[Code 128 ").Append(data).AppendLine("]");
        return this;
    }

    /// <summary>QR code (GS ( k, model 2) of UTF-8 data up to 700 bytes.</summary>
    public ReceiptBuilder Qr(string data, int moduleSize = 6, QrErrorCorrection errorCorrection = QrErrorCorrection.M)
    {
        ArgumentNullException.ThrowIfNull(data);
        var payload = Encoding.UTF8.GetBytes(data);
        if (payload.Length is 0 or > 700)
        {
            throw new ArgumentException($"QR data must be 1-700 bytes; got {payload.Length}.", nameof(data));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(moduleSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(moduleSize, 16);
        var storeLength = payload.Length + 3;
        Command(Gs, (byte)'(', (byte)'k', 4, 0, 0x31, 0x41, 0x32, 0x00);
        Command(Gs, (byte)'(', (byte)'k', 3, 0, 0x31, 0x43, (byte)moduleSize);
        Command(Gs, (byte)'(', (byte)'k', 3, 0, 0x31, 0x45, (byte)(0x30 + (int)errorCorrection));
        Command([Gs, (byte)'(', (byte)'k', (byte)(storeLength & 0xFF), (byte)(storeLength >> 8), 0x31, 0x50, 0x30, .. payload]);
        Command(Gs, (byte)'(', (byte)'k', 3, 0, 0x31, 0x51, 0x30);
        _text.Append("[QR ").Append(data).AppendLine("]");
        return this;
    }

    /// <summary>Feeds <paramref name="lines"/> lines (ESC d n).</summary>
    public ReceiptBuilder Feed(int lines = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lines, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lines, 255);
        _text.Append('\n', lines);
        return Command(Esc, (byte)'d', (byte)lines);
    }

    /// <summary>Feeds past the blade and cuts (GS V 0 / 1); on a printer without a cutter only feeds.</summary>
    public ReceiptBuilder Cut()
    {
        Feed(_profile.FeedBeforeCut);
        if (_profile.HasCutter)
        {
            Command(Gs, (byte)'V', _profile.PartialCut ? (byte)1 : (byte)0);
        }

        _text.AppendLine("--- cut ---");
        return this;
    }

    /// <summary>Pulses the cash drawer (ESC p 0 25 250: pin 2, 50 ms on, 500 ms off).</summary>
    public ReceiptBuilder KickDrawer() => Command(Esc, (byte)'p', 0x00, 0x19, 0xFA);

    /// <summary>The finished receipt.</summary>
    public Receipt Build()
    {
        string[] replaced;
        lock (_replaced)
        {
            replaced = [.. _replaced];
        }

        return new Receipt([.. _bytes], [.. _boundaries], replaced, _text.ToString(), _rasterImages);
    }

    /// <summary>A short banner that marks a reprint ("*** COPY ***", centred, bold, double size).</summary>
    public static byte[] CopyMark(PrinterProfile profile, string text) =>
        new ReceiptBuilder(profile).Align(ReceiptAlignment.Center).Bold().DoubleSize().Line(text).DoubleSize(false).Bold(false)
            .Align(ReceiptAlignment.Left).Build().Bytes;

    private RasterTextRenderer Renderer => RasterTextRenderer.For(_profile.RasterFontPath, _profile.DotsPerLine);

    // Hebrew, Arabic (with Persian), Syriac, Thaana, NKo and their presentation forms: printers cannot order or join them.
    private static bool IsRightToLeft(char c) =>
        c is (>= '\u0590' and <= '\u08FF') or (>= '\uFB1D' and <= '\uFDFF') or (>= '\uFE70' and <= '\uFEFC');

    private ReceiptBuilder RasterText(RasterImage image, string text)
    {
        Image(image);
        _text.AppendLine(text);
        return this;
    }

    private void BarcodeSetup()
    {
        Command(Gs, (byte)'H', 2);
        Command(Gs, (byte)'h', 80);
        Command(Gs, (byte)'w', 2);
    }

    private ReceiptBuilder PrintLine(string line)
    {
        if (line.Any(char.IsControl))
        {
            // A control character in text would be read as a command (ESC, GS, DLE); print '?' and report it.
            lock (_replaced)
            {
                foreach (var c in line.Where(char.IsControl))
                {
                    _replaced.Add($"U+{(int)c:X4}");
                }
            }

            line = new string(line.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        }

        _boundaries.Add(_bytes.Count);
        _bytes.AddRange(_encoding.GetBytes(line));
        _bytes.Add(Lf);
        _text.AppendLine(line);
        return this;
    }

    private ReceiptBuilder Command(params byte[] command)
    {
        _boundaries.Add(_bytes.Count);
        _bytes.AddRange(command);
        return this;
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            var rest = paragraph.TrimEnd('\r');
            if (rest.Length == 0)
            {
                yield return string.Empty;
                continue;
            }

            while (rest.Length > width)
            {
                var cut = rest.LastIndexOf(' ', width);
                if (cut <= 0)
                {
                    cut = width;
                }

                yield return rest[..cut].TrimEnd();
                rest = rest[cut..].TrimStart();
            }

            if (rest.Length > 0)
            {
                yield return rest;
            }
        }
    }
}
