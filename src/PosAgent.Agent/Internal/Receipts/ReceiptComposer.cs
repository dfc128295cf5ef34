using System.Globalization;
using System.Text;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Receipts;

/// <summary>The loyalty figures printed on a receipt.</summary>
internal sealed record ReceiptLoyalty(string MaskedCard, string Tier, long Earned, long Spent, long Left, bool Pending);

/// <summary>
/// Lays out a receipt as text lines of the printer's width: items, total, payment, and the
/// loyalty block (points earned, spent and left, tier, masked card; "pending" for an offline
/// estimate). The printer driver turns the lines into ESC/POS.
/// </summary>
internal static class ReceiptComposer
{
    public static IReadOnlyList<string> Sale(string header, int width, Check check, PaymentSplit? payment, ReceiptLoyalty? loyalty, bool copy, DateTimeOffset printedAt)
    {
        var lines = new List<string>();
        Header(lines, header, width, copy, "SALE", check, printedAt);
        foreach (var line in check.Lines)
        {
            lines.Add(Fit(line.Name.Length > 0 ? line.Name : line.Sku, width));
            lines.Add(Columns($"  {line.Quantity} x {Money(line.UnitPriceMinor)}" + (line.DiscountMinor > 0 ? $" -{Money(line.DiscountMinor)}" : string.Empty), Money(line.TotalMinor), width));
        }

        lines.Add(new string('-', width));
        lines.Add(Columns("TOTAL " + check.Currency, Money(check.TotalMinor), width));
        if (payment is not null)
        {
            Pay(lines, "Cash", payment.CashMinor, width);
            Pay(lines, "Bank card", payment.BankCardMinor, width);
            Pay(lines, "Legal entity", payment.LegalEntityMinor, width);
            Pay(lines, "Insurance", payment.InsuranceMinor, width);
            if (payment.Points > 0)
            {
                lines.Add(Columns("Points", payment.Points.ToString(CultureInfo.InvariantCulture), width));
            }
        }

        Loyalty(lines, loyalty, width, "earned");
        lines.Add(string.Empty);
        return lines;
    }

    public static IReadOnlyList<string> Refund(string header, int width, Check check, long refundMinor, ReceiptLoyalty? loyalty, bool copy, DateTimeOffset printedAt)
    {
        var lines = new List<string>();
        Header(lines, header, width, copy, "REFUND", check, printedAt);
        lines.Add(Columns("REFUNDED " + check.Currency, Money(refundMinor), width));
        Loyalty(lines, loyalty, width, "taken back");
        lines.Add(string.Empty);
        return lines;
    }

    private static void Header(List<string> lines, string header, int width, bool copy, string kind, Check check, DateTimeOffset printedAt)
    {
        lines.Add(Center(header, width));
        if (copy)
        {
            lines.Add(Center("*** COPY ***", width));
        }

        lines.Add(Fit($"{kind} {check.CheckId}", width));
        lines.Add(Fit(printedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), width));
        if (check.ClientReference.Length > 0)
        {
            lines.Add(Fit("Ref " + check.ClientReference, width));
        }

        lines.Add(new string('-', width));
    }

    private static void Loyalty(List<string> lines, ReceiptLoyalty? loyalty, int width, string earnedLabel)
    {
        if (loyalty is null)
        {
            return;
        }

        lines.Add(new string('-', width));
        lines.Add(Columns("Card", loyalty.MaskedCard, width));
        if (loyalty.Tier.Length > 0)
        {
            lines.Add(Columns("Tier", loyalty.Tier, width));
        }

        var pending = loyalty.Pending ? " (pending)" : string.Empty;
        lines.Add(Columns("Points " + earnedLabel, loyalty.Earned.ToString(CultureInfo.InvariantCulture) + pending, width));
        lines.Add(Columns("Points spent", loyalty.Spent.ToString(CultureInfo.InvariantCulture), width));
        lines.Add(Columns("Points left", loyalty.Left.ToString(CultureInfo.InvariantCulture) + pending, width));
        if (loyalty.Pending)
        {
            // Printed before the sync worker has the central result, online or not, so it is an estimate either way.
            lines.Add(Fit("Estimate, awaiting confirmation", width));
        }
    }

    private static void Pay(List<string> lines, string label, long amount, int width)
    {
        if (amount > 0)
        {
            lines.Add(Columns(label, Money(amount), width));
        }
    }

    /// <summary>Minor units as major.minor with two decimals (the receipt's convention).</summary>
    public static string Money(long minor) =>
        (minor < 0 ? "-" : string.Empty) + (Math.Abs(minor) / 100).ToString("N0", CultureInfo.InvariantCulture) + "." + (Math.Abs(minor) % 100).ToString("00", CultureInfo.InvariantCulture);

    private static string Columns(string left, string right, int width)
    {
        var room = width - right.Length - 1;
        if (room < 1)
        {
            return Fit(right, width);
        }

        left = left.Length > room ? left[..room] : left;
        return left + new string(' ', width - left.Length - right.Length) + right;
    }

    private static string Center(string text, int width)
    {
        text = Fit(text, width);
        var pad = (width - text.Length) / 2;
        return new string(' ', pad) + text;
    }

    private static string Fit(string text, int width) => text.Length <= width ? text : text[..width];

    public static string ToText(IReadOnlyList<string> lines)
    {
        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}
