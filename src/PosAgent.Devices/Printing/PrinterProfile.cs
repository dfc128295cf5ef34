namespace PosAgent.Devices.Printing;

/// <summary>When receipt text is printed as an image instead of characters.</summary>
public enum RasterMode
{
    /// <summary>Lines the code page cannot print (Kazakh letters in CP866, Persian anywhere) and right-to-left lines become images; the rest stays text (default).</summary>
    Auto = 0,

    /// <summary>Every text line is an image (printers with no usable code page).</summary>
    Always = 1,

    /// <summary>Never: what the code page lacks prints as '?'.</summary>
    Never = 2,
}

/// <summary>The ESC/POS command that carries raster images.</summary>
public enum RasterCommand
{
    /// <summary>GS v 0: print raster bit image (Epson and nearly every clone; default).</summary>
    GsV0 = 0,

    /// <summary>GS ( L: store the image in the print buffer (fn 112), then print it (fn 50); newer Epson models.</summary>
    GsParenL = 1,
}

/// <summary>
/// What a printer model can do: paper width in characters, its code table number for the code page
/// (clones number tables differently), cutter. Set per printer in configuration.
/// </summary>
public sealed class PrinterProfile
{
    /// <summary>Profile name for logs. Default "epson-80mm-cp866".</summary>
    public string Name { get; set; } = "epson-80mm-cp866";

    /// <summary>Characters per line in font A: 32 (58 mm), 42 or 48 (80 mm). Default 48.</summary>
    public int CharsPerLine { get; set; } = 48;

    /// <summary>.NET code page used to encode text: 866 (CP866) or 1251 (WPC1251), 437 or 1252 for Latin only. Default 866.</summary>
    public int CodePage { get; set; } = 866;

    /// <summary>ESC t table number that selects <see cref="CodePage"/> on this model (Epson: 17 = PC866, 46 = WPC1251). Default 17.</summary>
    public int CodeTable { get; set; } = 17;

    /// <summary>True when the printer has an auto-cutter. Default true.</summary>
    public bool HasCutter { get; set; } = true;

    /// <summary>Partial cut (a tab left) instead of a full cut. Default false.</summary>
    public bool PartialCut { get; set; }

    /// <summary>Lines fed before the cut so the last line clears the blade. Default 4.</summary>
    public int FeedBeforeCut { get; set; } = 4;

    /// <summary>Ask for automatic status back (GS a), so paper out mid-job is seen at once. Default true.</summary>
    public bool AutomaticStatusBack { get; set; } = true;

    /// <summary>Printable width in dots for raster images: 576 (80 mm), 512 (80 mm, 42 columns) or 384 (58 mm). Default 576.</summary>
    public int DotsPerLine { get; set; } = 576;

    /// <summary>When text becomes a raster image. Default <see cref="Printing.RasterMode.Auto"/>.</summary>
    public RasterMode Raster { get; set; } = RasterMode.Auto;

    /// <summary>The raster command this model takes. Default <see cref="Printing.RasterCommand.GsV0"/>.</summary>
    public RasterCommand RasterCommand { get; set; } = RasterCommand.GsV0;

    /// <summary>TrueType font for raster lines; it must cover the receipt's script. Default DejaVu Sans (Debian's fonts-dejavu-core).</summary>
    public string RasterFontPath { get; set; } = PosAgent.Devices.Printing.Raster.RasterTextRenderer.DefaultFontPath;

    /// <summary>Built-in profiles by name.</summary>
    public static IReadOnlyDictionary<string, PrinterProfile> Known { get; } = new Dictionary<string, PrinterProfile>(StringComparer.OrdinalIgnoreCase)
    {
        ["epson-80mm-cp866"] = new() { Name = "epson-80mm-cp866", CharsPerLine = 48, CodePage = 866, CodeTable = 17 },
        ["epson-80mm-wpc1251"] = new() { Name = "epson-80mm-wpc1251", CharsPerLine = 48, CodePage = 1251, CodeTable = 46 },
        ["epson-80mm-42-wpc1251"] = new() { Name = "epson-80mm-42-wpc1251", CharsPerLine = 42, CodePage = 1251, CodeTable = 46, DotsPerLine = 512 },
        ["epson-80mm-gsl-wpc1251"] = new() { Name = "epson-80mm-gsl-wpc1251", CharsPerLine = 48, CodePage = 1251, CodeTable = 46, RasterCommand = RasterCommand.GsParenL },
        ["generic-58mm-cp866"] = new() { Name = "generic-58mm-cp866", CharsPerLine = 32, CodePage = 866, CodeTable = 17, HasCutter = false, DotsPerLine = 384 },
    };

    /// <summary>Every problem, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string device)
    {
        var problems = new List<string>();
        if (CharsPerLine is not (32 or 42 or 48))
        {
            problems.Add($"{device}: profile {Name}: characters per line {CharsPerLine} must be 32, 42 or 48.");
        }

        try
        {
            _ = ReceiptEncoding.Get(CodePage);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            problems.Add($"{device}: profile {Name}: code page {CodePage} is not available ({ex.Message}).");
        }

        if (CodeTable is < 0 or > 255)
        {
            problems.Add($"{device}: profile {Name}: code table {CodeTable} must be 0-255.");
        }

        if (FeedBeforeCut is < 0 or > 20)
        {
            problems.Add($"{device}: profile {Name}: feed before cut {FeedBeforeCut} must be 0-20 lines.");
        }

        if (DotsPerLine is < 64 or > 2040 || DotsPerLine % 8 != 0)
        {
            problems.Add($"{device}: profile {Name}: dots per line {DotsPerLine} must be a multiple of 8 in 64-2040 (384, 512 or 576 usually).");
        }

        if (Raster != RasterMode.Never && !File.Exists(RasterFontPath))
        {
            problems.Add($"{device}: profile {Name}: raster font '{RasterFontPath}' does not exist (Debian: apt-get install fonts-dejavu-core).");
        }

        return problems;
    }
}
