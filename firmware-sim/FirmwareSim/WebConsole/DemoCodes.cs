using System.Globalization;

namespace FirmwareSim.WebConsole;

/// <summary>What a demo code is for: a valid loyalty card, a product, or a scan the agent must reject.</summary>
public enum DemoCodeKind
{
    /// <summary>A card number of a loaded program, check digit valid.</summary>
    Card,

    /// <summary>A product barcode (not a card).</summary>
    Product,

    /// <summary>A scan that must not attach a card: wrong check digit, cut-off frame, garbage.</summary>
    BadScan,
}

/// <summary>One entry of the console's list of codes to scan.</summary>
/// <param name="Label">What the technician reads.</param>
/// <param name="Code">The data scanned (for a garbage entry: empty).</param>
/// <param name="Symbology">The symbology name as the control API takes it.</param>
/// <param name="Kind">Card, product or bad scan.</param>
/// <param name="PartialBytes">When above 0: only this many bytes of the frame are sent (a cut-off frame).</param>
/// <param name="RandomBytes">When above 0: this many random bytes are sent instead of a scan.</param>
public sealed record DemoCode(string Label, string Code, string Symbology, DemoCodeKind Kind, int PartialBytes = 0, int RandomBytes = 0);

/// <summary>
/// The demo cards of the programs in programs/ (prefix, length and check digit as each program
/// defines its card) and the bad scans technicians try most.
/// </summary>
public static class DemoCodes
{
    /// <summary>A CSM «+1» card (16 digits, prefix 7800, Luhn).</summary>
    public static string CsmCard { get; } = WithLuhn("780000000000" + "042");

    /// <summary>The list, cards first.</summary>
    public static IReadOnlyList<DemoCode> All { get; } =
    [
        new("CSM «+1» card", CsmCard, "code128", DemoCodeKind.Card),
        new("Rostelecom «Bonus» card", WithLuhn("640000000000" + "007"), "code128", DemoCodeKind.Card),
        new("INVITRO Russia card", Ean13("260000000012"), "ean13", DemoCodeKind.Card),
        new("INVITRO Kazakhstan card", Ean13("260100000034"), "ean13", DemoCodeKind.Card),
        new("INVITRO Belarus card", Ean13("260300000056"), "ean13", DemoCodeKind.Card),
        new("INVITRO «Healthy plus» card", Ean13("260200000078"), "ean13", DemoCodeKind.Card),
        new("Stomatorg card", WithLuhn("77000000012"), "code128", DemoCodeKind.Card),
        new("T&I club card", "90000042", "code128", DemoCodeKind.Card),
        new("Product (EAN-13, not a card)", "4006381333931", "ean13", DemoCodeKind.Product),
        new("CSM card, wrong check digit", WrongLastDigit(CsmCard), "code128", DemoCodeKind.BadScan),
        new("INVITRO card, wrong check digit", WrongLastDigit(Ean13("260000000012")), "ean13", DemoCodeKind.BadScan),
        new("CSM card, frame cut off after 6 bytes", CsmCard, "code128", DemoCodeKind.BadScan, PartialBytes: 6),
        new("Unknown prefix (16 digits)", WithLuhn("123400000000042"), "code128", DemoCodeKind.BadScan),
        new("16 bytes of line noise", string.Empty, string.Empty, DemoCodeKind.BadScan, RandomBytes: 16),
    ];

    private static string WithLuhn(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    private static string Ean13(string twelve)
    {
        var sum = 0;
        for (var i = 0; i < 12; i++)
        {
            sum += (twelve[i] - '0') * (i % 2 == 0 ? 1 : 3);
        }

        return twelve + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    private static string WrongLastDigit(string code) =>
        code[..^1] + ((code[^1] - '0' + 5) % 10).ToString(CultureInfo.InvariantCulture);
}
