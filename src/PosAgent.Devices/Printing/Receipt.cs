namespace PosAgent.Devices.Printing;

/// <summary>
/// A finished receipt: the ESC/POS bytes, the offsets where a command starts (the only places a
/// real-time status request may be slipped in), and the characters the code page lacked.
/// </summary>
public sealed class Receipt
{
    internal Receipt(byte[] bytes, int[] boundaries, IReadOnlyList<string> replaced, string text, int rasterImages = 0)
    {
        RasterImages = rasterImages;
        Bytes = bytes;
        Boundaries = boundaries;
        ReplacedCharacters = replaced;
        Text = text;
    }

    /// <summary>The bytes to send.</summary>
    public byte[] Bytes { get; }

    /// <summary>Ascending offsets at which a command starts (0 first).</summary>
    public int[] Boundaries { get; }

    /// <summary>Distinct characters replaced with '?' because the profile's code page lacks them.</summary>
    public IReadOnlyList<string> ReplacedCharacters { get; }

    /// <summary>Text lines sent as raster images (scripts the code page lacks).</summary>
    public int RasterImages { get; }

    /// <summary>The printed text, one line per printed line (for logs and tests; barcodes shown as [kind data]).</summary>
    public string Text { get; }
}
