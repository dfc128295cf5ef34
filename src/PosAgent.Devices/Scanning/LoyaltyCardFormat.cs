namespace PosAgent.Devices.Scanning;

/// <summary>Check digit algorithm of a loyalty card number.</summary>
public enum CardCheckDigit
{
    /// <summary>No check digit.</summary>
    None = 0,

    /// <summary>Luhn (mod 10, doubling every second digit from the right), as on payment cards.</summary>
    Luhn = 1,

    /// <summary>EAN-13 / GS1 mod 10 (weights 3,1), for cards printed with an EAN-13 barcode.</summary>
    Ean13 = 2,
}

/// <summary>
/// How a program's loyalty card numbers look (from the program file's <c>card</c> section): a scan
/// that matches is reported as a card, anything else as a product.
/// </summary>
public sealed class LoyaltyCardFormat
{
    /// <summary>A name for events and logs, usually the program id. Required.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Number of digits. Required, 4 to 32.</summary>
    public int Length { get; set; }

    /// <summary>Accepted leading digits (any one of them); empty accepts any. Default empty.</summary>
    public IList<string> Prefixes { get; init; } = [];

    /// <summary>Check digit algorithm. Default <see cref="CardCheckDigit.None"/>.</summary>
    public CardCheckDigit CheckDigit { get; set; } = CardCheckDigit.None;

    /// <summary>Parses "luhn", "ean13", "none" as written in program files.</summary>
    public static bool TryParseCheckDigit(string? text, out CardCheckDigit checkDigit)
    {
        (var ok, checkDigit) = text?.Trim().ToUpperInvariant() switch
        {
            null or "" or "NONE" => (true, CardCheckDigit.None),
            "LUHN" => (true, CardCheckDigit.Luhn),
            "EAN13" or "EAN-13" => (true, CardCheckDigit.Ean13),
            _ => (false, CardCheckDigit.None),
        };
        return ok;
    }

    /// <summary>True when <paramref name="data"/> is a card number of this format.</summary>
    public bool Matches(string data)
    {
        if (data.Length != Length || !CheckDigits.AllDigits(data))
        {
            return false;
        }

        if (Prefixes.Count > 0 && !Prefixes.Any(p => data.StartsWith(p, StringComparison.Ordinal)))
        {
            return false;
        }

        return CheckDigit switch
        {
            CardCheckDigit.Luhn => CheckDigits.IsValidLuhn(data),
            CardCheckDigit.Ean13 => CheckDigits.IsValidGs1(data),
            _ => true,
        };
    }

    /// <summary>Every problem, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string owner)
    {
        var problems = new List<string>();
        var name = string.IsNullOrWhiteSpace(Name) ? "(unnamed)" : Name;
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add($"{owner}: card format needs a name.");
        }

        if (Length is < 4 or > 32)
        {
            problems.Add($"{owner}: card format {name}: length {Length} must be 4 to 32 digits.");
        }

        foreach (var prefix in Prefixes)
        {
            if (prefix.Length == 0 || !CheckDigits.AllDigits(prefix) || prefix.Length >= Math.Max(Length, 1))
            {
                problems.Add($"{owner}: card format {name}: prefix '{prefix}' must be digits, shorter than the length.");
            }
        }

        if (!Enum.IsDefined(CheckDigit))
        {
            problems.Add($"{owner}: card format {name}: check digit {CheckDigit} is unknown (luhn, ean13, none).");
        }

        return problems;
    }
}

/// <summary>Masks card numbers for logs and receipts.</summary>
public static class CardNumberMask
{
    /// <summary>All but the last four characters as '*'; short values entirely masked.</summary>
    public static string Mask(string number) =>
        number.Length <= 4 ? new string('*', number.Length) : new string('*', number.Length - 4) + number[^4..];
}
