using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PosAgent.Agent.Internal.Receipts;

/// <summary>
/// The words and number/date conventions of receipts in one language, read from
/// <c>Languages/{code}.json</c> (embedded). A file missing a label fails to load, so a new label
/// cannot reach paper in only some languages.
/// </summary>
internal sealed class ReceiptLanguage
{
    /// <summary>Languages shipped.</summary>
    public static readonly IReadOnlyList<string> Codes = ["en", "ru", "kk", "fa"];

    private static readonly Dictionary<string, ReceiptLanguage> Loaded = new(StringComparer.OrdinalIgnoreCase);

    [JsonIgnore]
    public string Code { get; private set; } = "en";

    [JsonIgnore]
    public CultureInfo Culture { get; private set; } = CultureInfo.InvariantCulture;

    [JsonPropertyName("culture")] public required string CultureName { get; init; }
    [JsonPropertyName("dateFormat")] public required string DateFormat { get; init; }
    [JsonPropertyName("sale")] public required string Sale { get; init; }
    [JsonPropertyName("refund")] public required string Refund { get; init; }
    [JsonPropertyName("copy")] public required string Copy { get; init; }
    [JsonPropertyName("reference")] public required string Reference { get; init; }
    [JsonPropertyName("date")] public required string Date { get; init; }
    [JsonPropertyName("taxId")] public required string TaxId { get; init; }
    [JsonPropertyName("total")] public required string Total { get; init; }
    [JsonPropertyName("refunded")] public required string Refunded { get; init; }
    [JsonPropertyName("cash")] public required string Cash { get; init; }
    [JsonPropertyName("bankCard")] public required string BankCard { get; init; }
    [JsonPropertyName("legalEntity")] public required string LegalEntity { get; init; }
    [JsonPropertyName("insurance")] public required string Insurance { get; init; }
    [JsonPropertyName("paidWithPoints")] public required string PaidWithPoints { get; init; }
    [JsonPropertyName("card")] public required string Card { get; init; }
    [JsonPropertyName("tier")] public required string Tier { get; init; }
    [JsonPropertyName("pointsEarned")] public required string PointsEarned { get; init; }
    [JsonPropertyName("pointsTakenBack")] public required string PointsTakenBack { get; init; }
    [JsonPropertyName("pointsSpent")] public required string PointsSpent { get; init; }
    [JsonPropertyName("pointsLeft")] public required string PointsLeft { get; init; }
    [JsonPropertyName("pending")] public required string Pending { get; init; }
    [JsonPropertyName("estimate")] public required string Estimate { get; init; }

    /// <summary>The language for <paramref name="code"/> ("en", "ru", "kk", "fa").</summary>
    public static ReceiptLanguage Get(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        lock (Loaded)
        {
            if (Loaded.TryGetValue(code, out var language))
            {
                return language;
            }

            using var stream = typeof(ReceiptLanguage).Assembly.GetManifestResourceStream($"receipt-language.{code.ToLowerInvariant()}.json")
                ?? throw new ArgumentException($"No receipt language '{code}'; shipped: {string.Join(", ", Codes)}.", nameof(code));
            language = JsonSerializer.Deserialize<ReceiptLanguage>(stream, new JsonSerializerOptions { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow })
                ?? throw new InvalidDataException($"Receipt language '{code}' is empty.");
            language.Code = code.ToLowerInvariant();
            language.Culture = CultureInfo.GetCultureInfo(language.CultureName);
            Loaded[code] = language;
            return language;
        }
    }

    /// <summary>
    /// The language receipts in <paramref name="currency"/> default to, the program's country's: IRR
    /// (Iran) fa; RUB, KZT and BYN ru (Kazakh is chosen in configuration); English otherwise.
    /// </summary>
    public static string DefaultFor(string? currency) => currency?.ToUpperInvariant() switch
    {
        "IRR" => "fa",
        "RUB" or "KZT" or "BYN" => "ru",
        _ => "en",
    };

    /// <summary>
    /// An amount in minor units with the decimals the currency has (<paramref name="minorPerUnit"/>
    /// 100: two, 1: none, as IRR), in this culture's separators. Exact: no rounding happens.
    /// </summary>
    public string Money(long minor, long minorPerUnit)
    {
        var decimals = minorPerUnit switch
        {
            1 => 0,
            10 => 1,
            100 => 2,
            1000 => 3,
            _ => throw new ArgumentOutOfRangeException(nameof(minorPerUnit), minorPerUnit, "Minor units per unit must be 1, 10, 100 or 1000."),
        };
        return ((decimal)minor / minorPerUnit).ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), Culture);
    }

    /// <summary>Whole points with this culture's group separator.</summary>
    public string Points(long points) => points.ToString("N0", Culture);

    /// <summary>
    /// <paramref name="local"/> (the store's local time, see <see cref="ReceiptClock"/>) in this
    /// language's date format and culture (its calendar too: fa-IR dates are Solar Hijri), with
    /// the UTC offset in force.
    /// </summary>
    public string Timestamp(DateTimeOffset local) => local.ToString(DateFormat, Culture);
}
