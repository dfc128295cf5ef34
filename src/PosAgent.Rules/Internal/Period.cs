using System.Globalization;

namespace PosAgent.Rules.Internal;

internal enum PeriodUnit
{
    Zero,
    Hours,
    Days,
    Months,
    Years,
    Never,
    EndOfMonth,
}

/// <summary>A span of calendar time; months and years are counted in the program's offset.</summary>
internal readonly record struct Period(PeriodUnit Unit, int Count)
{
    public static readonly Period Zero = new(PeriodUnit.Zero, 0);
    public static readonly Period Never = new(PeriodUnit.Never, 0);

    public bool IsNever => Unit == PeriodUnit.Never;

    public static bool TryParse(string? text, out Period period)
    {
        period = Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (text == "never")
        {
            period = Never;
            return true;
        }

        if (text == "endOfMonth")
        {
            period = new(PeriodUnit.EndOfMonth, 0);
            return true;
        }

        PeriodUnit unit;
        string digits;
        if (text.StartsWith("PT", StringComparison.Ordinal) && text.EndsWith('H'))
        {
            unit = PeriodUnit.Hours;
            digits = text[2..^1];
        }
        else if (text.StartsWith("PT", StringComparison.Ordinal) && text.EndsWith('S') && text == "PT0S")
        {
            return true;
        }
        else if (text.StartsWith('P') && text.Length > 2)
        {
            unit = text[^1] switch
            {
                'D' => PeriodUnit.Days,
                'M' => PeriodUnit.Months,
                'Y' => PeriodUnit.Years,
                _ => PeriodUnit.Zero,
            };
            digits = text[1..^1];
            if (unit == PeriodUnit.Zero)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 100_000)
        {
            return false;
        }

        period = n == 0 ? Zero : new(unit, n);
        return true;
    }

    /// <summary>The instant this period after <paramref name="from"/>; null when it never ends.</summary>
    public DateTimeOffset? After(DateTimeOffset from, TimeSpan offset)
    {
        switch (Unit)
        {
            case PeriodUnit.Zero:
                return from;
            case PeriodUnit.Hours:
                return from.AddHours(Count);
            case PeriodUnit.Days:
                return from.AddDays(Count);
            case PeriodUnit.Months:
                return from.ToOffset(offset).AddMonths(Count).ToUniversalTime();
            case PeriodUnit.Years:
                return from.ToOffset(offset).AddYears(Count).ToUniversalTime();
            case PeriodUnit.EndOfMonth:
                var local = from.ToOffset(offset);
                return new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, offset).AddMonths(1).ToUniversalTime();
            default:
                return null;
        }
    }

    /// <summary>The instant this period before <paramref name="to"/>; MinValue when the period never ends.</summary>
    public DateTimeOffset Before(DateTimeOffset to, TimeSpan offset) => Unit switch
    {
        PeriodUnit.Zero => to,
        PeriodUnit.Hours => to.AddHours(-Count),
        PeriodUnit.Days => to.AddDays(-Count),
        PeriodUnit.Months => to.ToOffset(offset).AddMonths(-Count).ToUniversalTime(),
        PeriodUnit.Years => to.ToOffset(offset).AddYears(-Count).ToUniversalTime(),
        _ => DateTimeOffset.MinValue,
    };

    public DateTimeOffset AfterOrMax(DateTimeOffset from, TimeSpan offset) => After(from, offset) ?? DateTimeOffset.MaxValue;
}
