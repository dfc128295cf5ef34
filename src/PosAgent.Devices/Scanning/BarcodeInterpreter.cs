namespace PosAgent.Devices.Scanning;

/// <summary>A decoded scan: symbology and data, or why it was rejected.</summary>
public readonly record struct DecodedScan(Symbology Symbology, string Data, ScanKind Kind, string? CardFormat, ScanErrorReason? Error, string? Detail);

/// <summary>Decodes AIM identifiers, verifies EAN/UPC check digits and recognises loyalty cards.</summary>
public sealed class BarcodeInterpreter(IReadOnlyList<LoyaltyCardFormat> cardFormats)
{
    /// <summary>Decodes one framed scan (prefix and suffix already removed).</summary>
    public DecodedScan Decode(string text)
    {
        Symbology symbology;
        string data;
        if (text.Length >= 3 && text[0] == ']')
        {
            symbology = FromAim(text[1], text[2]);
            data = text[3..];
            if (data.Length == 0)
            {
                return Fail(symbology, ScanErrorReason.Empty, $"AIM identifier {text[..3]} with no data");
            }

            if (symbology == Symbology.Ean13 && data.Length == 12)
            {
                symbology = Symbology.UpcA;
            }

            var expected = symbology switch
            {
                Symbology.Ean13 => 13,
                Symbology.UpcA => 12,
                Symbology.Ean8 => 8,
                _ => 0,
            };
            if (expected > 0 && (data.Length != expected || !CheckDigits.IsValidGs1(data)))
            {
                var why = data.Length != expected || !CheckDigits.AllDigits(data)
                    ? $"{symbology} needs {expected} digits, got {data.Length} characters"
                    : $"{symbology} check digit {data[^1]} is wrong (expected {CheckDigits.Gs1CheckDigit(data.AsSpan(0, data.Length - 1))})";
                return Fail(symbology, ScanErrorReason.BadCheckDigit, why);
            }
        }
        else
        {
            data = text;
            symbology = InferWithoutAim(text);
        }

        foreach (var format in cardFormats)
        {
            if (format.Matches(data))
            {
                return new DecodedScan(symbology, data, ScanKind.LoyaltyCard, format.Name, null, null);
            }
        }

        return new DecodedScan(symbology, data, ScanKind.Product, null, null, null);
    }

    /// <summary>Maps an AIM identifier (the two characters after ']') to a symbology.</summary>
    public static Symbology FromAim(char code, char modifier) => (code, modifier) switch
    {
        ('E', '0') => Symbology.Ean13,
        ('E', '4') => Symbology.Ean8,
        ('C', '1') => Symbology.Gs1128,
        ('C', _) => Symbology.Code128,
        ('A', _) => Symbology.Code39,
        ('I', _) => Symbology.Itf,
        ('Q', _) => Symbology.Qr,
        ('d', '2') => Symbology.Gs1DataMatrix,
        ('d', _) => Symbology.DataMatrix,
        _ => Symbology.Other,
    };

    private static Symbology InferWithoutAim(string data)
    {
        if (!CheckDigits.IsValidGs1(data))
        {
            return Symbology.Unknown;
        }

        return data.Length switch
        {
            13 => Symbology.Ean13,
            12 => Symbology.UpcA,
            8 => Symbology.Ean8,
            _ => Symbology.Unknown,
        };
    }

    private static DecodedScan Fail(Symbology symbology, ScanErrorReason reason, string detail) =>
        new(symbology, string.Empty, ScanKind.Product, null, reason, detail);
}
