using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Cli.Internal;

/// <summary>How values read to a person: money from minor units, enums without their prefixes, times.</summary>
internal static class Fmt
{
    /// <summary>12345 minor units -> "123.45 KZT" (two decimals; the programs' currencies all have two).</summary>
    public static string Money(long minor, string currency)
    {
        var sign = minor < 0 ? "-" : string.Empty;
        var abs = Math.Abs(minor);
        var text = string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / 100:#,0}.{abs % 100:00}");
        return currency.Length > 0 ? text + " " + currency : text;
    }

    public static string Points(long points) => points.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Time(Timestamp? time) =>
        time is null || (time.Seconds == 0 && time.Nanos == 0)
            ? "-"
            : time.ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>CHECK_STATE_OPEN -> "open".</summary>
    public static string Enum<T>(T value)
        where T : struct, System.Enum
    {
        var name = StatusNames.UpperSnake(value.ToString());
        var prefix = StatusNames.UpperSnake(typeof(T).Name) + "_";
        if (name.StartsWith(prefix, StringComparison.Ordinal))
        {
            name = name[prefix.Length..];
        }

        return name.Replace('_', ' ').ToLowerInvariant();
    }

    public static string Card(CardSummary? card) =>
        card is null || card.MaskedNumber.Length == 0
            ? "no card"
            : $"{card.MaskedNumber} ({Enum(card.State)}, tier {Or(card.Tier)}, {Points(card.Usable)} usable of {Points(card.Balance)} points, {Enum(card.Source)})";

    public static string Or(string value, string fallback = "-") => value.Length > 0 ? value : fallback;
}
