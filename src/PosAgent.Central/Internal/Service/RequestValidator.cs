using System.Buffers;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Central.Internal.Service;

/// <summary>A request field that is wrong; becomes INVALID_ARGUMENT "field: reason".</summary>
internal sealed class RequestValidationException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;
}

/// <summary>Checks every field of incoming requests before anything touches the store.</summary>
internal sealed class RequestValidator(TimeProvider time, CentralOptions options)
{
    public const int MaxLines = 200;
    public const int MaxPayments = 10;
    public const long MaxAmountMinor = 100_000_000_000; // 1 billion currency units
    public const long MaxPoints = 10_000_000;
    public const int MaxQuantity = 10_000;
    private static readonly SearchValues<char> IdChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Id(string field, string value, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                throw new RequestValidationException(field, "is required");
            }

            return;
        }

        if (value.Length > 64)
        {
            throw new RequestValidationException(field, $"is {value.Length} characters long; at most 64");
        }

        if (value.AsSpan().IndexOfAnyExcept(IdChars) >= 0)
        {
            throw new RequestValidationException(field, "may contain only letters, digits and . _ : -");
        }
    }

    public static void CardNumber(string field, string value, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                throw new RequestValidationException(field, "is required");
            }

            return;
        }

        if (value.Length is < 4 or > 32 || !value.All(char.IsAsciiDigit))
        {
            // Never echo the number: it could be a real card.
            throw new RequestValidationException(field, $"must be 4..32 digits (got {value.Length} characters)");
        }
    }

    public static void Text(string field, string value, int max, bool required = false)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            throw new RequestValidationException(field, "is required");
        }

        if (value.Length > max)
        {
            throw new RequestValidationException(field, $"is {value.Length} characters long; at most {max}");
        }

        if (value.Any(char.IsControl))
        {
            throw new RequestValidationException(field, "must not contain control characters");
        }
    }

    public static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new RequestValidationException(field, $"must be {min:N0}..{max:N0} (was {value:N0})");
        }
    }

    /// <summary>A business time: set, after 2000-01-01, not beyond the allowed clock skew.</summary>
    public DateTimeOffset BusinessTime(string field, Timestamp? value, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                throw new RequestValidationException(field, "is required");
            }

            return time.GetUtcNow();
        }

        DateTimeOffset at;
        try
        {
            at = value.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw new RequestValidationException(field, "is not a valid timestamp");
        }

        if (at < Earliest)
        {
            throw new RequestValidationException(field, $"is before {Earliest:yyyy-MM-dd}");
        }

        var latest = time.GetUtcNow() + options.MaxClockSkew;
        if (at > latest)
        {
            throw new RequestValidationException(field, $"is {at:O}, later than the service clock allows ({latest:O}); check the terminal's clock");
        }

        return at;
    }

    public void Submit(SubmitTransactionsRequest request)
    {
        if (request.Transactions.Count == 0)
        {
            throw new RequestValidationException("transactions", "must hold at least one transaction");
        }

        if (request.Transactions.Count > options.MaxBatchSize)
        {
            throw new RequestValidationException("transactions", $"holds {request.Transactions.Count}; at most {options.MaxBatchSize} per call");
        }

        for (var i = 0; i < request.Transactions.Count; i++)
        {
            Transaction($"transactions[{i}]", request.Transactions[i]);
        }
    }

    public void Transaction(string field, TerminalTransaction tx)
    {
        Id(field + ".transaction_id", tx.TransactionId);
        BusinessTime(field + ".business_time", tx.BusinessTime);
        Id(field + ".terminal_id", tx.TerminalId, required: false);
        switch (tx.BodyCase)
        {
            case TerminalTransaction.BodyOneofCase.Sale:
                CardNumber(field + ".card_number", tx.CardNumber);
                Sale(field + ".sale", tx.Sale);
                break;
            case TerminalTransaction.BodyOneofCase.Refund:
                CardNumber(field + ".card_number", tx.CardNumber, required: false);
                Refund(field + ".refund", tx.Refund);
                break;
            case TerminalTransaction.BodyOneofCase.Redemption:
                CardNumber(field + ".card_number", tx.CardNumber);
                Range(field + ".redemption.points", tx.Redemption.Points, 1, MaxPoints);
                Id(field + ".redemption.authorization_id", tx.Redemption.AuthorizationId, required: false);
                Text(field + ".redemption.reason", tx.Redemption.Reason, 200);
                Lines(field + ".redemption.lines", tx.Redemption.Lines);
                break;
            case TerminalTransaction.BodyOneofCase.RewardExchange:
                CardNumber(field + ".card_number", tx.CardNumber);
                Id(field + ".reward_exchange.reward_id", tx.RewardExchange.RewardId);
                Range(field + ".reward_exchange.quantity", tx.RewardExchange.Quantity, 0, 10);
                Text(field + ".reward_exchange.region", tx.RewardExchange.Region, 64);
                break;
            default:
                throw new RequestValidationException(field, "must carry one of sale, refund, redemption, reward_exchange");
        }
    }

    public static void Lines(string field, IReadOnlyList<SaleLine> lines, bool required = true)
    {
        if (lines.Count == 0 && required)
        {
            throw new RequestValidationException(field, "must hold at least one line");
        }

        if (lines.Count > MaxLines)
        {
            throw new RequestValidationException(field, $"holds {lines.Count}; at most {MaxLines}");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var f = $"{field}[{i}]";
            Id(f + ".line_id", line.LineId);
            if (!ids.Add(line.LineId))
            {
                throw new RequestValidationException(f + ".line_id", $"'{line.LineId}' appears twice in the sale");
            }

            Id(f + ".category", line.Category);
            Text(f + ".sku", line.Sku, 64);
            Range(f + ".unit_price_minor", line.UnitPriceMinor, 0, MaxAmountMinor);
            Range(f + ".quantity", line.Quantity, 1, MaxQuantity);
            var gross = line.UnitPriceMinor * line.Quantity;
            Range(f + ".discount_minor", line.DiscountMinor, 0, gross);
        }
    }

    public static long Payments(string field, IReadOnlyList<Payment> payments, long total, bool required = true)
    {
        if (payments.Count == 0 && !required)
        {
            return 0;
        }

        if (payments.Count is 0 or > MaxPayments)
        {
            throw new RequestValidationException(field, $"must hold 1..{MaxPayments} parts (holds {payments.Count})");
        }

        long sum = 0;
        long points = 0;
        for (var i = 0; i < payments.Count; i++)
        {
            var p = payments[i];
            if (p.Kind == PaymentKind.Unspecified || !System.Enum.IsDefined(p.Kind))
            {
                throw new RequestValidationException($"{field}[{i}].kind", "must be cash, bank_card, points, legal_entity or insurance");
            }

            Range($"{field}[{i}].amount_minor", p.AmountMinor, 1, MaxAmountMinor);
            sum += p.AmountMinor;
            if (p.Kind == PaymentKind.Points)
            {
                points += p.AmountMinor;
            }
        }

        if (sum != total)
        {
            throw new RequestValidationException(field, $"sum to {sum:N0} minor units but the lines total {total:N0}");
        }

        return points;
    }

    public static long LinesTotal(IEnumerable<SaleLine> lines) => lines.Sum(l => (l.UnitPriceMinor * l.Quantity) - l.DiscountMinor);

    private static void Sale(string field, Sale sale)
    {
        Lines(field + ".lines", sale.Lines);
        Payments(field + ".payments", sale.Payments, LinesTotal(sale.Lines));
        Text(field + ".promo_code", sale.PromoCode, 64);
        Id(field + ".authorization_id", sale.AuthorizationId, required: false);
    }

    private static void Refund(string field, Refund refund)
    {
        Id(field + ".original_transaction_id", refund.OriginalTransactionId);
        if (refund.Lines.Count > MaxLines)
        {
            throw new RequestValidationException(field + ".lines", $"holds {refund.Lines.Count}; at most {MaxLines}");
        }

        for (var i = 0; i < refund.Lines.Count; i++)
        {
            Id($"{field}.lines[{i}].line_id", refund.Lines[i].LineId);
            Range($"{field}.lines[{i}].quantity", refund.Lines[i].Quantity, 1, MaxQuantity);
        }
    }
}
