namespace FirmwareSim;

/// <summary>How a receipt left the printer.</summary>
public enum CutKind
{
    /// <summary>GS V 0 / 48 / 65: a full cut.</summary>
    Full,

    /// <summary>GS V 1 / 49 / 66, ESC i, ESC m: a partial cut (one point left uncut).</summary>
    Partial,
}

/// <summary>A barcode or QR code printed on a receipt.</summary>
/// <param name="Symbology">Which symbology (QR for GS ( k).</param>
/// <param name="Data">The encoded data (for EAN with the check digit).</param>
public sealed record PrintedCode(Symbology Symbology, string Data);

/// <summary>A raster image the printer decoded (GS v 0, GS ( L): what the paper shows, dot for dot.</summary>
/// <param name="WidthDots">Width in dots as printed (after the command's double width, if any; GS ( L widths need not be a multiple of 8).</param>
/// <param name="HeightDots">Height in dots as printed (after double height, if any).</param>
/// <param name="Bits">Rows top to bottom, each (WidthDots + 7) / 8 bytes, MSB first, 1 = black dot; bits past the width are 0.</param>
public sealed record PrintedImage(int WidthDots, int HeightDots, byte[] Bits)
{
    /// <summary>True when the dot at (x, y) is black.</summary>
    public bool this[int x, int y] => (Bits[(y * ((WidthDots + 7) / 8)) + (x >> 3)] & (0x80 >> (x & 7))) != 0;

    /// <summary>The image as a 1-bit PNG.</summary>
    public byte[] ToPng() => Receipts.PngEncoder.OneBit(WidthDots, HeightDots, Bits);
}

/// <summary>One receipt: everything the printer printed between two cuts.</summary>
/// <param name="Number">1, 2, 3 ... per printer since it started.</param>
/// <param name="Device">The printer's name.</param>
/// <param name="CompletedAt">When the cut happened.</param>
/// <param name="Cut">Full or partial cut.</param>
/// <param name="Text">The receipt as UTF-8 text: lines aligned to the paper width, codes as [EAN-13 ...] lines.</param>
/// <param name="Html">The receipt as a self-contained HTML page: font sizes, bold, alignment, barcodes and QR codes drawn as SVG.</param>
/// <param name="TextPath">The text file written for this receipt, or null when no output folder is set.</param>
/// <param name="HtmlPath">The HTML file written for this receipt, or null when no output folder is set.</param>
/// <param name="Codes">The barcodes and QR codes printed, in order.</param>
/// <param name="Interrupted">True when the paper ran out while this receipt was printing.</param>
public sealed record Receipt(
    int Number,
    string Device,
    DateTimeOffset CompletedAt,
    CutKind Cut,
    string Text,
    string Html,
    string? TextPath,
    string? HtmlPath,
    IReadOnlyList<PrintedCode> Codes,
    bool Interrupted)
{
    /// <summary>The raster images printed, in order (Persian and other lines the code page could not carry).</summary>
    public IReadOnlyList<PrintedImage> Images { get; init; } = [];

    /// <summary>
    /// The ESC/POS bytes the printer interpreted for this receipt, from after the previous cut to
    /// this cut inclusive (as received, so garbled when the baud differed; at most 1 MiB kept).
    /// </summary>
    public ReadOnlyMemory<byte> RawBytes { get; init; }
}
