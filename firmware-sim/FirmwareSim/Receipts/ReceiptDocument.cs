namespace FirmwareSim.Receipts;

/// <summary>Horizontal alignment of a printed line (ESC a).</summary>
internal enum Alignment
{
    Left,
    Center,
    Right,
}

/// <summary>Where the human-readable text of a barcode goes (GS H).</summary>
internal enum HriPosition
{
    None,
    Above,
    Below,
    Both,
}

/// <summary>Character modes in force when text was printed.</summary>
internal readonly record struct TextStyle(bool Bold, bool Underline, bool Reverse, bool FontB, int Width, int Height)
{
    public static readonly TextStyle Default = new(false, false, false, false, 1, 1);
}

internal sealed record TextRun(string Text, TextStyle Style);

internal abstract record ReceiptBlock;

internal sealed record TextLineBlock(Alignment Alignment, IReadOnlyList<TextRun> Runs) : ReceiptBlock
{
    public string PlainText => string.Concat(Runs.Select(r => r.Text));

    /// <summary>Printed columns: double-width characters take two.</summary>
    public int Columns => Runs.Sum(r => r.Text.Length * r.Style.Width);
}

/// <param name="Modules">Bar pattern (true = dark module), or null for symbologies the simulator does not draw.</param>
internal sealed record BarcodeBlock(Alignment Alignment, Symbology Symbology, string Data, string Hri, bool[]? Modules, int HeightDots, int ModuleWidth, HriPosition HriPosition) : ReceiptBlock;

internal sealed record QrBlock(Alignment Alignment, string Data, int ModuleSize, char ErrorCorrection) : ReceiptBlock;

/// <param name="Bits">The decoded dots of a raster image (GS v 0, GS ( L): rows MSB first, 1 = black; null when only skipped.</param>
internal sealed record ImageBlock(Alignment Alignment, int WidthDots, int HeightDots, byte[]? Bits = null) : ReceiptBlock
{
    /// <summary>The image as a PNG (black dots on white), or null when the dots were not decoded.</summary>
    public byte[]? ToPng() => Bits is null ? null : PngEncoder.OneBit(WidthDots, HeightDots, Bits);
}

/// <summary>Something that happened to the paper itself (ran out, reloaded), shown on the receipt for the technician.</summary>
internal sealed record NoticeBlock(string Message) : ReceiptBlock;

/// <summary>The printed content between two cuts.</summary>
internal sealed class ReceiptDocument
{
    private readonly List<ReceiptBlock> _blocks = [];

    public IReadOnlyList<ReceiptBlock> Blocks => _blocks;

    public bool IsEmpty => _blocks.Count == 0;

    /// <summary>The bytes the printer interpreted for this receipt, the cut command included (at most 1 MiB).</summary>
    public byte[] Raw { get; set; } = [];

    public void Add(ReceiptBlock block) => _blocks.Add(block);
}
