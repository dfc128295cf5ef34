using System.Text;
using FirmwareSim.Receipts;

namespace FirmwareSim.EscPos;

/// <summary>
/// An ESC/POS (Epson) command interpreter: turns a byte stream into printed lines, barcodes and QR
/// codes, cuts them into receipts and answers the requests that are answered in order (GS r, GS I,
/// ESC v). Real-time commands (DLE EOT/ENQ/DC4) are answered on receipt by
/// <see cref="RealTimeCommandScanner"/> and only skipped here. Unknown or malformed commands are
/// reported with their stream offset and skipped; no input makes it throw.
/// </summary>
internal sealed class EscPosInterpreter
{
    /// <summary>Epson code table numbers (ESC t n) to .NET code pages, used unless a profile says otherwise.</summary>
    public static readonly IReadOnlyDictionary<int, int> DefaultCodePages = new Dictionary<int, int>
    {
        [0] = 437,
        [2] = 850,
        [16] = 1252,
        [17] = 866,
        [46] = 1251,
    };

    private const byte Lf = 0x0A;
    private const byte Cr = 0x0D;
    private const byte Ht = 0x09;
    private const byte Ff = 0x0C;
    private const byte Dle = 0x10;
    private const byte Esc = 0x1B;
    private const byte Fs = 0x1C;
    private const byte Gs = 0x1D;
    private const int MaxQrData = 7089;

    // Larger graphics than this are taken for a corrupted header rather than skipped for megabytes.
    private const long MaxGraphicsBytes = 262144;

    private readonly IEscPosSink _sink;
    private readonly IReadOnlyDictionary<int, int> _codePages;
    private readonly int _defaultTable;
    private readonly List<TextRun> _line = [];
    private readonly StringBuilder _run = new();
    private byte[] _pending = [];
    private long _skipRemaining;
    private ReceiptDocument _document = new();
    private TextStyle _style = TextStyle.Default;
    private Alignment _alignment = Alignment.Left;
    private Alignment? _lineAlignment;
    private int _lineColumns;
    private int[] _tabStops = [];
    private char[] _table = [];
    private int _tableNumber;
    private int _barcodeHeight = 162;
    private int _barcodeWidth = 3;
    private HriPosition _hri = HriPosition.None;
    private int _qrModule = 3;
    private char _qrEcc = 'L';
    private byte[] _qrData = [];
    private StoredGraphics? _storedGraphics;
    private readonly RawRecorder _raw = new();
    private (ReceiptDocument Document, bool Partial)? _cut;

    static EscPosInterpreter() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <param name="sink">Receives answers, receipts and diagnostics.</param>
    /// <param name="codePages">ESC t table numbers to code pages (null: <see cref="DefaultCodePages"/>).</param>
    /// <param name="defaultTable">The table selected at power-on and by ESC @.</param>
    public EscPosInterpreter(IEscPosSink sink, IReadOnlyDictionary<int, int>? codePages = null, int defaultTable = 0)
    {
        _sink = sink;
        _codePages = codePages ?? DefaultCodePages;
        _defaultTable = _codePages.ContainsKey(defaultTable) ? defaultTable : _codePages.Keys.Min();
        SelectTable(_defaultTable, 0);
    }

    /// <summary>Bytes consumed so far (the offset of the next byte in the stream).</summary>
    public long Offset { get; private set; }

    /// <summary>The printed content since the last cut (not yet a receipt).</summary>
    public ReceiptDocument Pending => _document;

    /// <summary>The ESC t table in force.</summary>
    public int CodeTable => _tableNumber;

    /// <summary>Adds a paper event (paper out, reloaded) to the receipt being printed.</summary>
    public void AddNotice(string message)
    {
        FlushLine(force: false);
        _document.Add(new NoticeBlock(message));
    }

    /// <summary>
    /// The receive buffer was cleared (DLE DC4 8, DLE ENQ 2): drops a command cut short by the clear,
    /// whose missing bytes will never come; kept, it would take the next command's first bytes
    /// (the host's DLE EOT) as its parameters.
    /// </summary>
    public void DiscardIncompleteCommand()
    {
        Offset += _pending.Length;
        _pending = [];
        _skipRemaining = 0;
    }

    /// <summary>Interprets <paramref name="data"/>; an incomplete command at the end waits for the next call.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        if (_skipRemaining > 0)
        {
            var skip = (int)Math.Min(_skipRemaining, data.Length);
            _raw.Add(data[..skip]);
            _skipRemaining -= skip;
            Offset += skip;
            data = data[skip..];
        }

        if (data.IsEmpty)
        {
            return;
        }

        byte[] work;
        if (_pending.Length == 0)
        {
            work = data.ToArray();
        }
        else
        {
            work = new byte[_pending.Length + data.Length];
            _pending.CopyTo(work, 0);
            data.CopyTo(work.AsSpan(_pending.Length));
        }

        // Offset counts consumed bytes; pending bytes were not consumed yet.
        var pos = 0;
        while (pos < work.Length)
        {
            var span = work.AsSpan(pos);
            var used = Step(span);
            if (used == 0)
            {
                break;
            }

            if (used > span.Length)
            {
                // A command announced more data than arrived: skip the rest as it comes.
                _skipRemaining = used - span.Length;
                _raw.Add(span);
                DeliverCut();
                Offset += span.Length;
                pos = work.Length;
                break;
            }

            _raw.Add(span[..used]);
            DeliverCut();
            Offset += used;
            pos += used;
        }

        _pending = pos < work.Length ? work[pos..] : [];
    }

    /// <summary>Interprets one command or text byte at the start of <paramref name="b"/>; 0 = need more bytes.</summary>
    private int Step(ReadOnlySpan<byte> b)
    {
        var c = b[0];
        if (c >= 0x20)
        {
            return Text(b);
        }

        switch (c)
        {
            case Lf:
            case Ff:
                FlushLine(force: true);
                return 1;
            case Cr:
            case 0x00:
                // NUL is padding to printers; CR is ignored with automatic line feed off.
                return 1;
            case Ht:
                Tab();
                return 1;
            case Dle:
                return DleCommand(b);
            case Esc:
                return b.Length < 2 ? 0 : EscCommand(b);
            case Fs:
                return b.Length < 2 ? 0 : FsCommand(b);
            case Gs:
                return b.Length < 2 ? 0 : GsCommand(b);
            default:
                Report($"unexpected control byte 0x{c:X2}; skipped 1 byte");
                return 1;
        }
    }

    private int Text(ReadOnlySpan<byte> b)
    {
        var n = 0;
        while (n < b.Length && b[n] >= 0x20)
        {
            _run.Append(_table[b[n]]);
            n++;
        }

        _lineAlignment ??= _alignment;
        _lineColumns += n * _style.Width;
        return n;
    }

    private void Tab()
    {
        var column = _lineColumns;
        var next = _tabStops.FirstOrDefault(t => t > column);
        if (next == 0)
        {
            next = ((column / 8) + 1) * 8;
        }

        _lineAlignment ??= _alignment;
        _run.Append(' ', next - column);
        _lineColumns = next;
    }

    private int DleCommand(ReadOnlySpan<byte> b)
    {
        if (b.Length < 3)
        {
            return 0;
        }

        switch (b[1])
        {
            case 0x04:
            case 0x05:
                return 3;
            case 0x14:
                // DLE DC4 fn: fn 1, 2 and 7 take 5 bytes in all; fn 8 (clear buffers) takes 10.
                if (b[2] == 8)
                {
                    return Need(b, 10);
                }

                return Need(b, 5);
            default:
                return Unknown("DLE", b[1]);
        }
    }

    private int EscCommand(ReadOnlySpan<byte> b)
    {
        var cmd = b[1];
        switch (cmd)
        {
            case (byte)'@':
                Initialize();
                return 2;
            case (byte)'2':
            case (byte)'i':
            case (byte)'m':
            case (byte)'L':
            case (byte)'S':
            case (byte)'<':
                if (cmd is (byte)'i' or (byte)'m')
                {
                    Cut(partial: true);
                }

                return 2;
            case (byte)'v':
                _sink.Respond([EscPosStatus.PaperSensor(_sink.Status)]);
                return 2;
        }

        if (b.Length < 3)
        {
            return 0;
        }

        var n = b[2];
        switch (cmd)
        {
            case (byte)'!':
                _style = new TextStyle(
                    Bold: (n & 0x08) != 0,
                    Underline: (n & 0x80) != 0,
                    Reverse: _style.Reverse,
                    FontB: (n & 0x01) != 0,
                    Width: (n & 0x20) != 0 ? 2 : 1,
                    Height: (n & 0x10) != 0 ? 2 : 1);
                CloseRun();
                return 3;
            case (byte)'E':
            case (byte)'G':
                SetStyle(_style with { Bold = (n & 1) != 0 });
                return 3;
            case (byte)'-':
                SetStyle(_style with { Underline = (n & 0x03) != 0 });
                return 3;
            case (byte)'M':
                SetStyle(_style with { FontB = n is 1 or 0x31 });
                return 3;
            case (byte)'a':
                switch (n)
                {
                    case 0 or 0x30:
                        _alignment = Alignment.Left;
                        break;
                    case 1 or 0x31:
                        _alignment = Alignment.Center;
                        break;
                    case 2 or 0x32:
                        _alignment = Alignment.Right;
                        break;
                    default:
                        Report($"ESC a: invalid alignment {n} (0-2 or '0'-'2'); ignored");
                        break;
                }

                return 3;
            case (byte)'d':
                FlushLine(force: false);
                for (var i = 0; i < n; i++)
                {
                    FlushLine(force: true);
                }

                return 3;
            case (byte)'J':
                FlushLine(force: false);
                for (var i = 0; i < (n + 15) / 30; i++)
                {
                    FlushLine(force: true);
                }

                return 3;
            case (byte)'t':
                SelectTable(n, Offset);
                return 3;
            case (byte)'p':
                if (b.Length < 5)
                {
                    return 0;
                }

                if (n is 0 or 1 or 0x30 or 0x31)
                {
                    _sink.DrawerKick((n & 1) == 0 ? 2 : 5);
                }
                else
                {
                    Report($"ESC p: invalid drawer pin {n} (0, 1, '0' or '1'); ignored");
                }

                return 5;
            case (byte)'u':
                _sink.Respond([EscPosStatus.DrawerSensor(_sink.Status)]);
                return 3;
            case (byte)'e':
            case (byte)'K':
            case (byte)'R':
            case (byte)'3':
            case (byte)' ':
            case (byte)'{':
            case (byte)'V':
            case (byte)'=':
            case (byte)'r':
            case (byte)'U':
            case (byte)'T':
            case (byte)'%':
            case (byte)'?':
                return 3;
            case (byte)'$':
            case (byte)'\\':
                return Need(b, 4);
            case (byte)'c':
                return Need(b, 4);
            case (byte)'W':
                return Need(b, 10);
            case (byte)'D':
                {
                    // Tab positions, NUL-terminated, at most 32.
                    var end = b[2..].IndexOf((byte)0);
                    if (end < 0)
                    {
                        if (b.Length - 2 > 33)
                        {
                            Report("ESC D: tab list not terminated by NUL within 32 positions; skipped 2 bytes");
                            return 2;
                        }

                        return 0;
                    }

                    var stops = b.Slice(2, end).ToArray().Select(x => (int)x).ToArray();
                    _tabStops = stops;
                    return end + 3;
                }

            case (byte)'*':
                {
                    if (b.Length < 5)
                    {
                        return 0;
                    }

                    var dots = b[3] | (b[4] << 8);
                    var bytes = n is 32 or 33 ? dots * 3 : dots;
                    if (n is not (0 or 1 or 32 or 33) || dots is < 1 or > 2047)
                    {
                        Report($"ESC *: invalid bit image mode {n} or width {dots} dots (1-2047); skipped 5 bytes");
                        return 5;
                    }

                    FlushLine(force: false);
                    _document.Add(new ImageBlock(_alignment, dots, n is 32 or 33 ? 24 : 8));
                    return 5 + bytes;
                }

            default:
                return Unknown("ESC", cmd);
        }
    }

    private int FsCommand(ReadOnlySpan<byte> b)
    {
        switch (b[1])
        {
            case (byte)'&':
            case (byte)'.':
                return 2;
            case (byte)'!':
            case (byte)'-':
            case (byte)'W':
                return Need(b, 3);
            case (byte)'p':
                return Need(b, 4);
            default:
                return Unknown("FS", b[1]);
        }
    }

    private int GsCommand(ReadOnlySpan<byte> b)
    {
        var cmd = b[1];
        switch (cmd)
        {
            case (byte)'(':
                {
                    if (b.Length < 5)
                    {
                        return 0;
                    }

                    var length = b[3] | (b[4] << 8);
                    if (b.Length < 5 + length)
                    {
                        // Buffer up to a QR store's worth, and GS ( L graphics (at most 64 KB) to decode
                        // them; skip longer blocks of other functions as they stream in.
                        return length <= MaxQrData + 3 || b[2] == (byte)'L' ? 0 : SkipGraphics(b[2], length);
                    }

                    if (b[2] == (byte)'k')
                    {
                        TwoDimensional(b.Slice(5, length));
                    }
                    else if (b[2] == (byte)'L')
                    {
                        Graphics(b.Slice(5, length));
                    }

                    return 5 + length;
                }

            case (byte)'8':
                {
                    if (b.Length < 7)
                    {
                        return 0;
                    }

                    var length = (long)(b[3] | (b[4] << 8) | (b[5] << 16)) | ((long)b[6] << 24);
                    if (length > MaxGraphicsBytes)
                    {
                        Report($"GS 8 L: block of {length} bytes exceeds {MaxGraphicsBytes}; skipped the 7-byte header");
                        return 7;
                    }

                    FlushLine(force: false);
                    _document.Add(new ImageBlock(_alignment, 0, 0));
                    return (int)(7 + length);
                }

            case (byte)'v':
                {
                    if (b.Length < 8)
                    {
                        return 0;
                    }

                    if (b[2] != (byte)'0')
                    {
                        Report($"GS v: expected '0' after GS v, got 0x{b[2]:X2}; skipped 3 bytes");
                        return 3;
                    }

                    var widthBytes = b[4] | (b[5] << 8);
                    var height = b[6] | (b[7] << 8);
                    if (widthBytes is < 1 or > 255 || height is < 1 or > 4095)
                    {
                        Report($"GS v 0: raster image {widthBytes} bytes x {height} dots is outside 1-255 x 1-4095; skipped the 8-byte header");
                        return 8;
                    }

                    var size = widthBytes * height;

                    // m: 0 normal, 1 double width, 2 double height, 3 quadruple (and '0'-'3').
                    var mode = b[3] is >= 48 and <= 51 ? b[3] - 48 : b[3];
                    if (mode > 3)
                    {
                        Report($"GS v 0: invalid mode m={b[3]} (0-3 or '0'-'3'); skipped the image's {8 + size} bytes");
                        return 8 + size;
                    }

                    var (scaleX, scaleY) = (1 + (mode & 1), 1 + (mode >> 1));
                    if ((long)size * scaleX * scaleY > MaxGraphicsBytes)
                    {
                        FlushLine(force: false);
                        _document.Add(new ImageBlock(_alignment, widthBytes * 8 * scaleX, height * scaleY));
                        return 8 + size;
                    }

                    if (b.Length < 8 + size)
                    {
                        // Wait for the whole image: the simulator decodes it so a technician sees the dots.
                        return 0;
                    }

                    FlushLine(force: false);
                    _document.Add(new ImageBlock(_alignment, widthBytes * 8 * scaleX, height * scaleY, RasterBits.Scale(b.Slice(8, size), widthBytes * 8, height, scaleX, scaleY)));
                    return 8 + size;
                }

            case (byte)'*':
                {
                    if (b.Length < 4)
                    {
                        return 0;
                    }

                    if (b[2] * b[3] is < 1 or > 1536)
                    {
                        Report($"GS *: downloaded image {b[2]} x {b[3]} is outside x*y 1-1536; skipped 4 bytes");
                        return 4;
                    }

                    return 4 + (b[2] * b[3] * 8);
                }

            case (byte)'k':
                return Barcode(b);
            case (byte)':':
                return 2;
        }

        if (b.Length < 3)
        {
            return 0;
        }

        var n = b[2];
        switch (cmd)
        {
            case (byte)'!':
                if ((n & 0x0F) > 7 || (n >> 4) > 7)
                {
                    Report($"GS !: invalid character size 0x{n:X2} (width and height 1-8); ignored");
                    return 3;
                }

                SetStyle(_style with { Width = (n >> 4) + 1, Height = (n & 0x0F) + 1 });
                return 3;
            case (byte)'B':
                SetStyle(_style with { Reverse = (n & 1) != 0 });
                return 3;
            case (byte)'V':
                {
                    if (n is 0 or 1 or 48 or 49)
                    {
                        Cut(partial: (n & 1) != 0);
                        return 3;
                    }

                    if (n is 65 or 66 or 97 or 98 or 103 or 104)
                    {
                        if (b.Length < 4)
                        {
                            return 0;
                        }

                        Cut(partial: n is 66 or 98 or 104);
                        return 4;
                    }

                    Report($"GS V: invalid cut mode {n}; skipped 3 bytes");
                    return 3;
                }

            case (byte)'h':
                _barcodeHeight = Math.Max(1, (int)n);
                return 3;
            case (byte)'w':
                if (n is < 1 or > 6)
                {
                    Report($"GS w: invalid barcode module width {n} (1-6); ignored");
                    return 3;
                }

                _barcodeWidth = n;
                return 3;
            case (byte)'H':
                _hri = (n & 0x03) switch { 1 => HriPosition.Above, 2 => HriPosition.Below, 3 => HriPosition.Both, _ => HriPosition.None };
                return 3;
            case (byte)'a':
                _sink.AutoStatusBackChanged(n);
                return 3;
            case (byte)'r':
                if (n is 1 or 49)
                {
                    _sink.Respond([EscPosStatus.PaperSensor(_sink.Status)]);
                }
                else if (n is 2 or 50)
                {
                    _sink.Respond([EscPosStatus.DrawerSensor(_sink.Status)]);
                }
                else
                {
                    Report($"GS r: invalid status type {n} (1, 2, '1' or '2'); ignored");
                }

                return 3;
            case (byte)'I':
                PrinterId(n);
                return 3;
            case (byte)'f':
            case (byte)'b':
            case (byte)'/':
            case (byte)'T':
            case (byte)'E':
                return 3;
            case (byte)'L':
            case (byte)'W':
            case (byte)'P':
            case (byte)'\\':
            case (byte)'$':
                return Need(b, 4);
            case (byte)'^':
                return Need(b, 5);
            default:
                return Unknown("GS", cmd);
        }
    }

    /// <summary>GS ( L: fn 112 stores a raster image in the print buffer, fn 50 (or 2) prints it; other functions are skipped.</summary>
    private void Graphics(ReadOnlySpan<byte> p)
    {
        if (p.Length < 2)
        {
            Report("GS ( L: block shorter than its m and fn bytes; skipped");
            return;
        }

        switch (p[1])
        {
            case 112:
                {
                    // m fn a bx by c xL xH yL yH d1..dk
                    if (p.Length < 10)
                    {
                        Report($"GS ( L fn 112: header of {p.Length} bytes is shorter than 10; skipped");
                        return;
                    }

                    var (tone, scaleX, scaleY, color) = (p[2], p[3], p[4], p[5]);
                    var width = p[6] | (p[7] << 8);
                    var height = p[8] | (p[9] << 8);
                    var size = (width + 7) / 8 * height;
                    if (tone != 48 || color != 49)
                    {
                        Report($"GS ( L fn 112: a={tone} c={color} is not a monochrome raster (a=48, c=49) this printer takes; skipped");
                        return;
                    }

                    if (scaleX is not (1 or 2) || scaleY is not (1 or 2))
                    {
                        Report($"GS ( L fn 112: scale bx={scaleX} by={scaleY} must be 1 or 2; skipped");
                        return;
                    }

                    if (width is < 1 or > 2400 || height is < 1 or > 2400)
                    {
                        Report($"GS ( L fn 112: {width}x{height} dots is outside 1-2400 x 1-2400; skipped");
                        return;
                    }

                    if (p.Length - 10 != size)
                    {
                        Report($"GS ( L fn 112: {width}x{height} dots needs {size} data bytes, the block has {p.Length - 10}; skipped");
                        return;
                    }

                    _storedGraphics = new StoredGraphics(width * scaleX, height * scaleY, RasterBits.Scale(p[10..], width, height, scaleX, scaleY));
                    return;
                }

            case 50 or 2:
                if (_storedGraphics is { } stored)
                {
                    FlushLine(force: false);
                    _document.Add(new ImageBlock(_alignment, stored.Width, stored.Height, stored.Bits));
                    _storedGraphics = null;
                }
                else
                {
                    Report("GS ( L fn 50: print buffered graphics with none stored; nothing printed");
                }

                return;
            default:
                return;
        }
    }

    private int SkipGraphics(byte function, int length)
    {
        if (function == (byte)'k')
        {
            Report($"GS ( k: block of {length} bytes exceeds the QR data limit ({MaxQrData}); skipped");
        }
        else
        {
            FlushLine(force: false);
            _document.Add(new ImageBlock(_alignment, 0, 0));
        }

        return 5 + length;
    }

    private void PrinterId(byte n)
    {
        switch (n)
        {
            case 1 or 49:
                _sink.Respond([0x20]);
                break;
            case 2 or 50:
                _sink.Respond([0x02]);
                break;
            case 3 or 51:
                _sink.Respond([0x64]);
                break;
            case 65:
                _sink.Respond("_1.00 firmware-sim\0"u8);
                break;
            case 66:
                _sink.Respond("_FIRMWARE-SIM\0"u8);
                break;
            case 67:
                _sink.Respond("_TM-SIM\0"u8);
                break;
            default:
                Report($"GS I: unsupported printer id request {n}; ignored");
                break;
        }
    }

    private int Barcode(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4)
        {
            return 0;
        }

        var m = b[2];
        ReadOnlySpan<byte> data;
        int used;
        if (m <= 6)
        {
            var end = b[3..].IndexOf((byte)0);
            if (end < 0)
            {
                if (b.Length - 3 > 255)
                {
                    Report($"GS k {m}: data not terminated by NUL within 255 bytes; skipped 3 bytes");
                    return 3;
                }

                return 0;
            }

            data = b.Slice(3, end);
            used = 3 + end + 1;
        }
        else if (m is >= 65 and <= 79)
        {
            var n = b[3];
            if (b.Length < 4 + n)
            {
                return 0;
            }

            data = b.Slice(4, n);
            used = 4 + n;
        }
        else
        {
            Report($"GS k: invalid barcode system {m} (0-6 or 65-79); skipped 3 bytes");
            return 3;
        }

        var ascii = Encoding.Latin1.GetString(data);
        bool ok;
        bool[]? modules;
        string hri;
        string? error;
        Symbology symbology;
        switch (m)
        {
            case 2 or 67:
                symbology = Symbology.Ean13;
                ok = BarcodeEncoder.TryEncodeEan13(ascii, out modules, out hri, out error);
                break;
            case 3 or 68:
                symbology = Symbology.Ean8;
                ok = BarcodeEncoder.TryEncodeEan8(ascii, out modules, out hri, out error);
                break;
            case 0 or 65:
                symbology = Symbology.UpcA;
                ok = BarcodeEncoder.TryEncodeUpcA(ascii, out modules, out hri, out error);
                break;
            case 73:
                symbology = Symbology.Code128;
                ok = BarcodeEncoder.TryEncodeCode128(data, out modules, out hri, out error);
                break;
            case 4 or 69:
                (symbology, ok, modules, hri, error) = (Symbology.Code39, true, null, ascii, null);
                break;
            case 5 or 70:
                (symbology, ok, modules, hri, error) = (Symbology.Itf, true, null, ascii, null);
                break;
            default:
                (symbology, ok, modules, hri, error) = (Symbology.Other, true, null, ascii, null);
                break;
        }

        if (!ok)
        {
            Report($"GS k {m}: {error}; barcode not printed");
            return used;
        }

        FlushLine(force: false);
        var text = symbology == Symbology.Code128 ? hri : ascii;
        if (symbology is Symbology.Ean13 or Symbology.Ean8 or Symbology.UpcA)
        {
            text = hri;
        }

        _document.Add(new BarcodeBlock(_alignment, symbology, text, hri, modules, _barcodeHeight, _barcodeWidth, _hri));
        return used;
    }

    /// <summary>GS ( k: cn fn parameters. Only QR (cn 49) is drawn; other symbols are acknowledged and skipped.</summary>
    private void TwoDimensional(ReadOnlySpan<byte> p)
    {
        if (p.Length < 2)
        {
            Report("GS ( k: block shorter than cn fn; skipped");
            return;
        }

        if (p[0] != 49)
        {
            Report($"GS ( k: 2D symbol cn={p[0]} is not simulated (only QR, cn=49); skipped");
            return;
        }

        switch (p[1])
        {
            case 65:
                return;
            case 67:
                if (p.Length < 3 || p[2] is < 1 or > 16)
                {
                    Report("GS ( k QR module size: expected 1-16; ignored");
                    return;
                }

                _qrModule = p[2];
                return;
            case 69:
                if (p.Length < 3 || p[2] is < 48 or > 51)
                {
                    Report("GS ( k QR error correction: expected 48-51 (L, M, Q, H); ignored");
                    return;
                }

                _qrEcc = "LMQH"[p[2] - 48];
                return;
            case 80:
                if (p.Length < 3 || p[2] != 48)
                {
                    Report("GS ( k QR store: expected m=48 before the data; ignored");
                    return;
                }

                _qrData = p[3..].ToArray();
                return;
            case 81:
                if (_qrData.Length == 0)
                {
                    Report("GS ( k QR print: no data stored; nothing printed");
                    return;
                }

                FlushLine(force: false);
                _document.Add(new QrBlock(_alignment, DecodeQr(_qrData), _qrModule, _qrEcc));
                return;
            case 82:
                // Size information request: answered with "no data" for simplicity.
                _sink.Respond([0x37, 0x36, 0x30, 0x00]);
                return;
            default:
                Report($"GS ( k QR function {p[1]} is not known; skipped");
                return;
        }
    }

    private static string DecodeQr(byte[] data)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(data);
        }
    }

    private void Initialize()
    {
        // ESC @ clears the print buffer (text not yet printed) and resets the modes.
        _run.Clear();
        _line.Clear();
        _lineAlignment = null;
        _lineColumns = 0;
        _style = TextStyle.Default;
        _alignment = Alignment.Left;
        _tabStops = [];
        _barcodeHeight = 162;
        _barcodeWidth = 3;
        _hri = HriPosition.None;
        SelectTable(_defaultTable, Offset);
    }

    private void SelectTable(int n, long offset)
    {
        if (!_codePages.TryGetValue(n, out var codePage))
        {
            if (_table.Length != 0)
            {
                _sink.Diagnostic(offset, $"ESC t {n}: code table not in the printer profile ({string.Join(", ", _codePages.Keys.Order())}); keeping {_tableNumber}");
                return;
            }

            codePage = 437;
        }

        CloseRun();
        var encoding = Encoding.GetEncoding(codePage, EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
        var table = new char[256];
        Span<byte> one = stackalloc byte[1];
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 256; i++)
        {
            one[0] = (byte)i;
            table[i] = encoding.GetChars(one, chars) == 1 ? chars[0] : '\uFFFD';
        }

        _table = table;
        _tableNumber = n;
    }

    private void SetStyle(TextStyle style)
    {
        if (style != _style)
        {
            CloseRun();
            _style = style;
        }
    }

    private void CloseRun()
    {
        if (_run.Length > 0)
        {
            _line.Add(new TextRun(_run.ToString(), _style));
            _run.Clear();
        }
    }

    /// <summary>Prints the line buffer; with <paramref name="force"/> an empty buffer prints an empty line.</summary>
    private void FlushLine(bool force)
    {
        CloseRun();
        if (_line.Count == 0 && !force)
        {
            return;
        }

        _document.Add(new TextLineBlock(_lineAlignment ?? _alignment, [.. _line]));
        _line.Clear();
        _lineAlignment = null;
        _lineColumns = 0;
    }

    private void Cut(bool partial)
    {
        FlushLine(force: false);
        var document = _document;
        _document = new ReceiptDocument();

        // Handed over once the cut command's own bytes are recorded (DeliverCut), so the receipt's raw bytes end with it.
        _cut = (document, partial);
    }

    private void DeliverCut()
    {
        if (_cut is not { } cut)
        {
            return;
        }

        _cut = null;
        cut.Document.Raw = _raw.Take();
        _sink.Cut(cut.Document, cut.Partial);
    }

    private void Report(string message) => _sink.Diagnostic(Offset, message);

    /// <summary>The bytes a command of <paramref name="length"/> takes, or 0 while it is incomplete.</summary>
    private static int Need(ReadOnlySpan<byte> b, int length) => b.Length < length ? 0 : length;

    /// <summary>An unknown two-byte command: reported and skipped.</summary>
    private int Unknown(string prefix, byte code)
    {
        Report($"unknown command {prefix} 0x{code:X2}; skipped 2 bytes");
        return 2;
    }

    private sealed record StoredGraphics(int Width, int Height, byte[] Bits);

    /// <summary>
    /// The bytes received since the last cut, for the receipt's raw download; bounded so a host that
    /// never cuts cannot grow it without end (the bytes past the bound are counted, not kept).
    /// </summary>
    private sealed class RawRecorder
    {
        private const int MaxBytes = 1 << 20;
        private readonly MemoryStream _bytes = new();

        public void Add(ReadOnlySpan<byte> data)
        {
            var room = MaxBytes - (int)_bytes.Length;
            if (room > 0)
            {
                _bytes.Write(data[..Math.Min(room, data.Length)]);
            }
        }

        public byte[] Take()
        {
            var bytes = _bytes.ToArray();
            _bytes.SetLength(0);
            return bytes;
        }
    }
}
