using Google.Protobuf.WellKnownTypes;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using PosAgent.Sales;
using Proto = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Central.Internal.Service;

/// <summary>Between protobuf messages, store records and the rules engine's model.</summary>
internal static class ProtoMapping
{
    public static Timestamp? Ts(DateTimeOffset? value) => value is { } v ? Timestamp.FromDateTimeOffset(v) : null;

    public static BalanceInfo Balance(AccountSummary summary, AccountState state) => new()
    {
        Balance = summary.Balance,
        Usable = summary.Usable,
        Pending = summary.Pending,
        Tier = summary.TierId,
        TierValidUntil = Ts(state.TierValidUntil),
    };

    public static AccountFigures Figures(AccountSummary summary) =>
        new(summary.Balance, summary.Usable, summary.Pending, summary.TierId, summary.Status.ToString());

    public static CardState State(CardStatus status) => (CardState)(int)status;

    public static Proto.Card Card(CardRecord card) => new()
    {
        CardNumber = card.CardNumber,
        AccountId = card.AccountId,
        State = State(card.Status),
        IssuedAt = Ts(card.IssuedAt),
        ValidUntil = Ts(card.ValidUntil),
        ReplacedByCardNumber = card.ReplacedBy ?? string.Empty,
        BlockedReason = card.Reason ?? string.Empty,
    };

    public static PaymentType PaymentType(PaymentKind kind) => SaleMapping.PaymentType(kind);

    /// <summary>The engine's sale: lines at their money amount; the points part converted to points.</summary>
    public static SaleRequest Sale(string transactionId, DateTimeOffset at, IEnumerable<Proto.SaleLine> lines, IEnumerable<Proto.Payment> payments, long minorPerPoint, string promoCode, bool discountCard, DateTimeOffset? goodsReceived) =>
        SaleMapping.ToRequest(transactionId, at, lines, payments, minorPerPoint, promoCode, discountCard, goodsReceived);

    public static TransactionResult Result(string transactionId, DateTimeOffset businessTime, DateTimeOffset appliedAt, string accountId, OperationResult op)
    {
        var result = new TransactionResult
        {
            TransactionId = transactionId,
            Outcome = TransactionOutcome.Applied,
            AccountId = accountId,
            PointsEarned = op.PointsEarned,
            PointsSpent = op.PointsSpent,
            PointsReturned = op.PointsReturned,
            PointsTakenBack = op.Operation == "refund" ? op.PointsRemoved : 0,
            Balance = Balance(op.Summary, op.State),
            ProgramId = op.ProgramId,
            ProgramVersion = op.ProgramVersion,
            AppliedAt = Ts(appliedAt),
            BusinessTime = Ts(businessTime),
        };
        foreach (var item in op.Explanation)
        {
            result.Explanation.Add(new PointsExplanation
            {
                RuleId = item.RuleId,
                Description = item.Description,
                BaseMinor = item.BaseMinor,
                Points = item.Points,
            });
        }

        return result;
    }

    public static TransactionResult Rejected(string transactionId, DateTimeOffset businessTime, DateTimeOffset appliedAt, string? accountId, string code, string message, string? ruleId = null) => new()
    {
        TransactionId = transactionId,
        Outcome = TransactionOutcome.Rejected,
        AccountId = accountId ?? string.Empty,
        Rejection = new Rejection { Code = code, Message = message, RuleId = ruleId ?? string.Empty },
        AppliedAt = Ts(appliedAt),
        BusinessTime = Ts(businessTime),
    };

    /// <summary>The engine's refusal as a stable snake_case code.</summary>
    public static string Code(LoyaltyErrorCode code) => code switch
    {
        LoyaltyErrorCode.AccountBlocked => "card_blocked",
        LoyaltyErrorCode.AccountAnnulled => "card_annulled",
        LoyaltyErrorCode.CardExpired => "card_expired",
        LoyaltyErrorCode.InsufficientPoints => "insufficient_points",
        LoyaltyErrorCode.BurnLimitExceeded or LoyaltyErrorCode.DailyRedemptionLimit or LoyaltyErrorCode.MonthlyRewardLimit => "limit_exceeded",
        LoyaltyErrorCode.OriginalSaleNotFound => "original_not_found",
        LoyaltyErrorCode.RefundExceedsSale => "already_refunded",
        LoyaltyErrorCode.UnknownRewardItem => "unknown_reward",
        LoyaltyErrorCode.DuplicateTransaction => "duplicate_transaction",
        LoyaltyErrorCode.TimeWentBackwards => "time_went_backwards",
        LoyaltyErrorCode.UnknownCategory => "unknown_category",
        _ => ToSnake(code.ToString()),
    };

    private static string ToSnake(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
