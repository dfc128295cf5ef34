namespace FirmwareSim;

/// <summary>Barcode symbologies the simulator scans and prints.</summary>
public enum Symbology
{
    /// <summary>EAN-13 (AIM ]E0); UPC-A is sent as EAN-13 with a leading 0.</summary>
    Ean13,

    /// <summary>EAN-8 (AIM ]E4).</summary>
    Ean8,

    /// <summary>UPC-A (AIM ]E0, printed by GS k 65).</summary>
    UpcA,

    /// <summary>Code 128 (AIM ]C0).</summary>
    Code128,

    /// <summary>GS1-128 (AIM ]C1; FNC1 arrives as GS 0x1D).</summary>
    Gs1128,

    /// <summary>Code 39 (AIM ]A0).</summary>
    Code39,

    /// <summary>Interleaved 2 of 5 (AIM ]I0).</summary>
    Itf,

    /// <summary>QR Code (AIM ]Q1).</summary>
    Qr,

    /// <summary>Data Matrix (AIM ]d1).</summary>
    DataMatrix,

    /// <summary>GS1 Data Matrix (AIM ]d2).</summary>
    Gs1DataMatrix,

    /// <summary>A symbology printed by the printer that the simulator does not draw (Codabar, Code 93, UPC-E).</summary>
    Other,
}

/// <summary>AIM symbology identifiers and names.</summary>
public static class SymbologyExtensions
{
    /// <summary>The AIM identifier a scanner puts before the data, e.g. "]E0".</summary>
    public static string AimId(this Symbology symbology) => symbology switch
    {
        Symbology.Ean13 or Symbology.UpcA => "]E0",
        Symbology.Ean8 => "]E4",
        Symbology.Code128 => "]C0",
        Symbology.Gs1128 => "]C1",
        Symbology.Code39 => "]A0",
        Symbology.Itf => "]I0",
        Symbology.Qr => "]Q1",
        Symbology.DataMatrix => "]d1",
        Symbology.Gs1DataMatrix => "]d2",
        _ => "]X0",
    };

    /// <summary>Parses names people type: ean13, ean-13, ean8, upca, code128, gs1-128, code39, itf, qr, datamatrix, gs1-datamatrix.</summary>
    public static bool TryParse(string text, out Symbology symbology)
    {
        var key = text.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        (var ok, symbology) = key switch
        {
            "EAN13" => (true, Symbology.Ean13),
            "EAN8" => (true, Symbology.Ean8),
            "UPCA" or "UPC" => (true, Symbology.UpcA),
            "CODE128" or "C128" => (true, Symbology.Code128),
            "GS1128" => (true, Symbology.Gs1128),
            "CODE39" or "C39" => (true, Symbology.Code39),
            "ITF" => (true, Symbology.Itf),
            "QR" or "QRCODE" => (true, Symbology.Qr),
            "DATAMATRIX" or "DM" => (true, Symbology.DataMatrix),
            "GS1DATAMATRIX" => (true, Symbology.Gs1DataMatrix),
            _ => (false, Symbology.Other),
        };
        return ok;
    }

    /// <summary>The names <see cref="TryParse"/> accepts, for help texts and error messages.</summary>
    public const string Names = "ean13, ean8, upca, code128, gs1-128, code39, itf, qr, datamatrix, gs1-datamatrix";

    /// <summary>A display name such as "EAN-13".</summary>
    public static string DisplayName(this Symbology symbology) => symbology switch
    {
        Symbology.Ean13 => "EAN-13",
        Symbology.Ean8 => "EAN-8",
        Symbology.UpcA => "UPC-A",
        Symbology.Code128 => "Code 128",
        Symbology.Gs1128 => "GS1-128",
        Symbology.Code39 => "Code 39",
        Symbology.Itf => "ITF",
        Symbology.Qr => "QR",
        Symbology.DataMatrix => "Data Matrix",
        Symbology.Gs1DataMatrix => "GS1 Data Matrix",
        _ => "barcode",
    };

    /// <summary>
    /// The EAN/UPC check digit of <paramref name="digits"/> (the data without its check digit):
    /// weights 3,1,3,... from the rightmost digit.
    /// </summary>
    public static int EanCheckDigit(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            sum += i % 2 == 0 ? d * 3 : d;
        }

        return (10 - (sum % 10)) % 10;
    }
}
