using System.Buffers;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Sales;

/// <summary>
/// Checks every field of a sale. The agent runs it before it acknowledges a sale and the central
/// service before it applies one, so a sale the agent accepted is never refused for its form.
/// Money sums are checked: every part is bounded, so no sum can overflow.
/// </summary>
public static class SaleValidator
{
    private static readonly SearchValues<char> IdChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    /// <summary>The whole sale: lines, payments summing to the lines' total, promo code, authorization id.</summary>
    public static void Sale(string field, Sale sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        Lines(field + ".lines", sale.Lines);
        Payments(field + ".payments", sale.Payments, LinesTotal(sale.Lines));
        Text(field + ".promo_code", sale.PromoCode, SaleLimits.MaxCodeLength);
        Id(field + ".authorization_id", sale.AuthorizationId, required: false);
    }

    public static void Id(string field, string value, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                throw new SaleValidationException(field, "is required");
            }

            return;
        }

        if (value.Length > SaleLimits.MaxCodeLength)
        {
            throw new SaleValidationException(field, $"is {value.Length} characters long; at most {SaleLimits.MaxCodeLength}");
        }

        if (value.AsSpan().IndexOfAnyExcept(IdChars) >= 0)
        {
            throw new SaleValidationException(field, "may contain only letters, digits and . _ : -");
        }
    }

    public static void CardNumber(string field, string value, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                throw new SaleValidationException(field, "is required");
            }

            return;
        }

        if (value.Length is < 4 or > 32 || !value.All(char.IsAsciiDigit))
        {
            // Never echo the number: it could be a real card.
            throw new SaleValidationException(field, $"must be 4..32 digits (got {value.Length} characters)");
        }
    }

    public static void Text(string field, string value, int max, bool required = false)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            throw new SaleValidationException(field, "is required");
        }

        if (value.Length > max)
        {
            throw new SaleValidationException(field, $"is {value.Length} characters long; at most {max}");
        }

        if (value.Any(char.IsControl))
        {
            throw new SaleValidationException(field, "must not contain control characters");
        }
    }

    public static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new SaleValidationException(field, $"must be {min:N0}..{max:N0} (was {value:N0})");
        }
    }

    /// <summary>One line as the till builds it: category, item code, price, quantity, discount.</summary>
    public static void Line(string field, SaleLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        Id(field + ".category", line.Category);
        Text(field + ".sku", line.Sku, SaleLimits.MaxCodeLength);
        Range(field + ".unit_price_minor", line.UnitPriceMinor, 0, SaleLimits.MaxAmountMinor);
        Range(field + ".quantity", line.Quantity, 1, SaleLimits.MaxQuantity);
        Range(field + ".discount_minor", line.DiscountMinor, 0, checked(line.UnitPriceMinor * line.Quantity));
    }

    public static void Lines(string field, IReadOnlyList<SaleLine> lines, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0 && required)
        {
            throw new SaleValidationException(field, "must hold at least one line");
        }

        if (lines.Count > SaleLimits.MaxLines)
        {
            throw new SaleValidationException(field, $"holds {lines.Count}; at most {SaleLimits.MaxLines}");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var f = $"{field}[{i}]";
            Id(f + ".line_id", lines[i].LineId);
            if (!ids.Add(lines[i].LineId))
            {
                throw new SaleValidationException(f + ".line_id", $"'{lines[i].LineId}' appears twice in the sale");
            }

            Line(f, lines[i]);
        }
    }

    /// <summary>The payment parts: known kinds, each 1..MaxAmountMinor, summing to <paramref name="total"/> (or less without points: a discount card's discount, checked by the engine). Answers the points part in minor units.</summary>
    public static long Payments(string field, IReadOnlyList<Payment> payments, long total, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(payments);
        if (payments.Count == 0 && !required)
        {
            return 0;
        }

        if (payments.Count is 0 or > SaleLimits.MaxPayments)
        {
            throw new SaleValidationException(field, $"must hold 1..{SaleLimits.MaxPayments} parts (holds {payments.Count})");
        }

        long sum = 0;
        long points = 0;
        for (var i = 0; i < payments.Count; i++)
        {
            var p = payments[i];
            if (p.Kind == PaymentKind.Unspecified || !Enum.IsDefined(p.Kind))
            {
                throw new SaleValidationException($"{field}[{i}].kind", "must be cash, bank_card, points, legal_entity or insurance");
            }

            Range($"{field}[{i}].amount_minor", p.AmountMinor, 1, SaleLimits.MaxAmountMinor);
            sum = checked(sum + p.AmountMinor);
            if (p.Kind == PaymentKind.Points)
            {
                points = checked(points + p.AmountMinor);
            }
        }

        // Less than the lines only without points: a discount card's discount (INV-HP-R2) comes off
        // the total, and only the account knows it, so the engine checks that exact amount.
        if (sum > total || (sum < total && points > 0))
        {
            throw new SaleValidationException(field, $"sum to {sum:N0} minor units but the lines total {total:N0}");
        }

        return points;
    }

    /// <summary>The lines' money total (price times quantity less discount); checked, so a sum past long is an error, not a wrap.</summary>
    public static long LinesTotal(IEnumerable<SaleLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        long total = 0;
        foreach (var l in lines)
        {
            total = checked(total + (l.UnitPriceMinor * l.Quantity) - l.DiscountMinor);
        }

        return total;
    }
}
