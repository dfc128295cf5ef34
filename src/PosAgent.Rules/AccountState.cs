using System.Text.Json;
using System.Text.Json.Serialization;

namespace PosAgent.Rules;

// The account model is plain data: the central service stores it per account and the agent
// caches snapshots, so everything here round-trips through AccountStateJson. Balance, usable
// and pending amounts are never stored; they are derived from the lots (AccountSummary).

public enum AccountStatus
{
    Active,
    Blocked,
    Annulled,
}

public enum AccountMode
{
    /// <summary>Earns and spends points.</summary>
    Bonus,

    /// <summary>Holds a discount card instead (INV-HP-R1): no points.</summary>
    DiscountCard,
}

public enum LotKind
{
    Purchase,
    Welcome,
    Birthday,
    Gift,
    Promotion,
    Referral,
    UsefulAction,
    Adjustment,
}

/// <summary>One account of one program, as of its last operation.</summary>
public sealed record AccountState
{
    public required string AccountId { get; init; }

    public required string ProgramId { get; init; }

    /// <summary>Program version of the last operation.</summary>
    public required string ProgramVersion { get; init; }

    public required string CardNumber { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    public DateOnly? BirthDate { get; init; }

    public AccountStatus Status { get; set; } = AccountStatus.Active;

    public string? StatusReason { get; init; }

    public AccountMode Mode { get; set; } = AccountMode.Bonus;

    /// <summary>Discount card level when <see cref="Mode"/> is DiscountCard.</summary>
    public string? DiscountLevel { get; init; }

    public required string TierId { get; init; }

    public DateTimeOffset TierSince { get; init; }

    public DateTimeOffset? TierValidUntil { get; init; }

    public bool TierAssignedManually { get; init; }

    /// <summary>A tier that takes effect later (next-day programs).</summary>
    public string? PendingTierId { get; init; }

    public DateTimeOffset? PendingTierFrom { get; init; }

    public DateTimeOffset? CardValidUntil { get; init; }

    public IReadOnlyList<string> PreviousCards { get; set; } = [];

    /// <summary>Time of the latest operation or job; earlier times are refused beyond the allowed backdating.</summary>
    public required DateTimeOffset LastOperationAt { get; init; }

    /// <summary>Latest sale (a visit); decay counts from it.</summary>
    public DateTimeOffset? LastVisitAt { get; init; }

    /// <summary>Months of inactivity already charged since <see cref="LastVisitAt"/>.</summary>
    public int DecayMonthsCharged { get; init; }

    /// <summary>Monthly batches already credited, as "yyyy-MM" of the month of payment.</summary>
    public IReadOnlyList<string> BatchesCredited { get; set; } = [];

    public IReadOnlyList<PointLot> Lots { get; set; } = [];

    public IReadOnlyList<OrderRecord> Orders { get; set; } = [];

    public IReadOnlyList<GrantRecord> Grants { get; set; } = [];

    public IReadOnlyList<RewardOrder> Rewards { get; set; } = [];

    /// <summary>
    /// Ids of the transactions applied (sales, refunds, grants, rewards, admin): a replay is refused.
    /// The ids of folded sales leave with them (<see cref="LoyaltyEngine.FoldHistory"/>): the central
    /// service's ledger keeps every id for exactly-once.
    /// </summary>
    public IReadOnlyList<string> TransactionIds { get; set; } = [];

    /// <summary>What the rules still need of the orders folded out of <see cref="Orders"/> (#17); null: none folded.</summary>
    public OrderHistory? History { get; init; }
}

/// <summary>
/// Orders folded out of the account state, as the rules need them (#17: a card's state must not
/// grow with every order): whether the member ever ordered (first-order events), the order count,
/// money and largest order for tiers and discount-card levels by total spend, and per program day
/// for the last 366 days when the program's tiers look at a rolling 365 days.
/// </summary>
public sealed record OrderHistory
{
    /// <summary>Orders folded, paid or not.</summary>
    public long Orders { get; init; }

    /// <summary>Folded orders with money left after refunds (the orders tiers count).</summary>
    public long PaidOrders { get; init; }

    /// <summary>Their money after refunds, minor units.</summary>
    public long SpendMinor { get; init; }

    /// <summary>The largest of them after refunds, minor units.</summary>
    public long MaxSingleMinor { get; init; }

    /// <summary>Business time of the newest folded order.</summary>
    public DateTimeOffset? FoldedThrough { get; init; }

    /// <summary>Per program day, newest last: only for rolling-window tiers (STM-R2), the last 366 days.</summary>
    public IReadOnlyList<OrderDay> Days { get; set; } = [];
}

/// <summary>Folded orders of one program day.</summary>
public sealed record OrderDay(DateOnly Day, long PaidOrders, long SpendMinor, long MaxSingleMinor);

/// <summary>The state after folding, and the order records folded out of it (the central service archives them for refunds).</summary>
public sealed record FoldResult(AccountState State, IReadOnlyList<OrderRecord> Folded);

/// <summary>Points credited together, with what is left of them.</summary>
public sealed record PointLot
{
    /// <summary>Deterministic: "{transactionId}#{index}".</summary>
    public required string Id { get; init; }

    public required LotKind Kind { get; init; }

    public required string SourceTransactionId { get; init; }

    public string? RuleId { get; init; }

    /// <summary>Points originally credited (negative only for a refund debt).</summary>
    public required long Amount { get; init; }

    public required long Remaining { get; init; }

    public required DateTimeOffset CreditedAt { get; init; }

    public required DateTimeOffset UsableFrom { get; init; }

    /// <summary>Null: never expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Set once the expiry job has written off what was left.</summary>
    public bool Expired { get; init; }

    /// <summary>Points of this lot taken back by refunds of the sale that earned them (they no longer count as status points).</summary>
    public long TakenBack { get; init; }
}

/// <summary>A sale as the ledger remembers it, enough to refund it line by line.</summary>
public sealed record OrderRecord
{
    public required string TransactionId { get; init; }

    public required DateTimeOffset At { get; init; }

    public required long TotalMinor { get; init; }

    public required long MoneyMinor { get; init; }

    public required long PointsSpent { get; init; }

    public required long PointsEarned { get; init; }

    public required IReadOnlyList<OrderLineRecord> Lines { get; init; }

    /// <summary>Lots the spent points came from, in the order they were consumed.</summary>
    public IReadOnlyList<LotAmount> SpentFrom { get; set; } = [];

    /// <summary>Lots created by the sale.</summary>
    public IReadOnlyList<LotAmount> EarnedLots { get; set; } = [];

    /// <summary>Earning bases waiting for the monthly batch (RT-R3).</summary>
    public IReadOnlyList<AccrualBase> PendingAccruals { get; set; } = [];

    public long RefundedMinor { get; init; }

    public long PointsTakenBack { get; init; }

    public long PointsReturned { get; init; }
}

public sealed record OrderLineRecord
{
    public required string Category { get; init; }

    public required long AmountMinor { get; init; }

    public required long PointsSpent { get; init; }

    public required long PointsEarned { get; init; }

    public long RefundedMinor { get; init; }

    public long EarnedTakenBack { get; init; }

    public long SpentReturned { get; init; }
}

public sealed record LotAmount(string LotId, long Amount);

/// <summary>Money a rule will earn on at the monthly batch, and the rate it had at the sale (0 for per-unit rules).</summary>
public sealed record AccrualBase(string RuleId, long BaseMinor, long RateBasisPoints);

public sealed record GrantRecord(string TransactionId, string EventId, DateTimeOffset At, long Points);

public sealed record RewardOrder
{
    public required string TransactionId { get; init; }

    public required string ItemId { get; init; }

    public required DateTimeOffset At { get; init; }

    public required long Price { get; init; }

    public required long PointsPaid { get; init; }

    public DateTimeOffset? ValidUntil { get; init; }
}

/// <summary>Serialization of account state and results with source-generated metadata.</summary>
public static class AccountStateJson
{
    public static string Serialize(AccountState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return JsonSerializer.Serialize(state, RulesJsonContext.Default.AccountState);
    }

    /// <summary>An order record as archived when it is folded out of the state.</summary>
    public static string SerializeOrder(OrderRecord order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return JsonSerializer.Serialize(order, RulesJsonContext.Default.OrderRecord);
    }

    public static OrderRecord DeserializeOrder(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, RulesJsonContext.Default.OrderRecord)
                ?? throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidState, "Order JSON is null.");
        }
        catch (JsonException ex)
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidState, $"Order JSON is invalid at {ex.Path}: {ex.Message}", ex);
        }
    }

    public static AccountState Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, RulesJsonContext.Default.AccountState)
                ?? throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidState, "Account state JSON is null.");
        }
        catch (JsonException ex)
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidState, $"Account state JSON is invalid at {ex.Path}: {ex.Message}", ex);
        }
    }
}

/// <summary>Source-generated JSON metadata for the account model, requests and results.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AccountState))]
[JsonSerializable(typeof(OrderRecord))]
[JsonSerializable(typeof(OperationResult))]
[JsonSerializable(typeof(SaleQuote))]
[JsonSerializable(typeof(SaleRequest))]
[JsonSerializable(typeof(RefundRequest))]
[JsonSerializable(typeof(AccountSummary))]
public sealed partial class RulesJsonContext : JsonSerializerContext;
