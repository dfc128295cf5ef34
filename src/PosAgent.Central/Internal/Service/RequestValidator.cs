using Google.Protobuf.WellKnownTypes;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Sales;

namespace PosAgent.Central.Internal.Service;

/// <summary>A request field that is wrong; becomes INVALID_ARGUMENT "field: reason".</summary>
internal sealed class RequestValidationException(string field, string reason) : SaleValidationException(field, reason);

/// <summary>Checks every field of incoming requests before anything touches the store.</summary>
internal sealed class RequestValidator(TimeProvider time, CentralOptions options)
{
    public const int MaxLines = SaleLimits.MaxLines;
    public const long MaxAmountMinor = SaleLimits.MaxAmountMinor;
    public const long MaxPoints = SaleLimits.MaxPoints;
    public const int MaxQuantity = SaleLimits.MaxQuantity;
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Id(string field, string value, bool required = true) => SaleValidator.Id(field, value, required);

    public static void CardNumber(string field, string value, bool required = true) => SaleValidator.CardNumber(field, value, required);

    public static void Text(string field, string value, int max, bool required = false) => SaleValidator.Text(field, value, max, required);

    public static void Range(string field, long value, long min, long max) => SaleValidator.Range(field, value, min, max);

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
        Text(field + ".trace_parent", tx.TraceParent, 128);
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

    public static void Lines(string field, IReadOnlyList<SaleLine> lines, bool required = true) => SaleValidator.Lines(field, lines, required);

    public static long Payments(string field, IReadOnlyList<Payment> payments, long total, bool required = true) => SaleValidator.Payments(field, payments, total, required);

    public static long LinesTotal(IEnumerable<SaleLine> lines) => SaleValidator.LinesTotal(lines);

    private static void Sale(string field, Sale sale) => SaleValidator.Sale(field, sale);

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
