namespace PosAgent.Rules;

/// <summary>Why the most points that may be spent is what it is.</summary>
public enum BurnLimitKind
{
    /// <summary>Nothing spendable left on the account.</summary>
    UsableBalance,
    BillShare,
    CategoryShare,
    TierShare,
    MaxPointsPerOrder,
    DailyOrders,
    NotRedeemable,
    PromoCode,
    DiscountCard,
    NotOwner,
    AccountNotBonus,
}

public enum LotChangeKind
{
    Created,
    Consumed,
    Restored,
    TakenBack,
    Expired,
    Cancelled,
    Decayed,
    DebtRepaid,
}

/// <summary>One rule's contribution to the points earned (or a reason some money earned nothing).</summary>
public sealed record EarnItem
{
    public required string RuleId { get; init; }

    public required string Description { get; init; }

    /// <summary>Money the rule applied to (or excluded), minor units.</summary>
    public required long BaseMinor { get; init; }

    /// <summary>Rate in basis points (500 = 5 %), 0 for per-unit and exclusion items.</summary>
    public required long RateBasisPoints { get; init; }

    public required long Points { get; init; }

    public required LotKind LotKind { get; init; }

    /// <summary>When the points are credited (later for delayed or batch accrual).</summary>
    public DateTimeOffset? CreditedAt { get; init; }
}

public sealed record LotChange(string LotId, LotKind Kind, LotChangeKind Change, long Amount, string? RuleId);

/// <summary>What a lot will look like once the quoted sale is applied.</summary>
public sealed record LotPreview(LotKind Kind, long Amount, DateTimeOffset CreditedAt, DateTimeOffset UsableFrom, DateTimeOffset? ExpiresAt);

/// <summary>Derived amounts of an account at a moment.</summary>
/// <summary>How much of an account's per-day and per-month limits is used at a moment.</summary>
public sealed record LimitCounters
{
    /// <summary>Sales on the program's calendar day.</summary>
    public int OrdersToday { get; init; }

    /// <summary>Sales that spent points on the program's calendar day (INV-HP-R3 allows 3).</summary>
    public int RedeemingOrdersToday { get; init; }

    /// <summary>Null: the program has no such limit.</summary>
    public int? MaxRedeemingOrdersPerDay { get; init; }

    /// <summary>Reward exchanges in the program's calendar month (RT-R6 allows 1).</summary>
    public int RewardOrdersThisMonth { get; init; }

    public int? MaxRewardOrdersPerMonth { get; init; }
}

public sealed record AccountSummary
{
    public required string AccountId { get; init; }

    public required string ProgramId { get; init; }

    public required string ProgramVersion { get; init; }

    /// <summary>Card number masked for receipts and logs.</summary>
    public required string MaskedCard { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Points credited and not expired, usable or not (may be negative only with a refund debt).</summary>
    public required long Balance { get; init; }

    /// <summary>Points that may be spent now; never negative (a refund debt first eats into it).</summary>
    public required long Usable { get; init; }

    /// <summary>
    /// In lots but not usable yet (activation or credit delay). Balance = Usable + Pending unless a refund
    /// debt exceeds the usable points. Monthly-batch points appear once the batch credits them.
    /// </summary>
    public required long Pending { get; init; }

    /// <summary>Points of payments waiting for a monthly batch (RT-R3), as they would be credited now; not in Balance yet.</summary>
    public long AwaitingBatch { get; init; }

    public required string TierId { get; init; }

    public required AccountStatus Status { get; init; }

    public required AccountMode Mode { get; init; }
}

/// <summary>The answer to a quote: nothing is committed.</summary>
public sealed record SaleQuote
{
    public required string ProgramId { get; init; }

    public required string ProgramVersion { get; init; }

    public required string TransactionId { get; init; }

    public required long TotalMinor { get; init; }

    public required long PointsToEarn { get; init; }

    public required IReadOnlyList<EarnItem> Earn { get; init; }

    /// <summary>The most points this sale may spend.</summary>
    public required long MaxPointsToSpend { get; init; }

    public required BurnLimitKind BindingLimit { get; init; }

    public string? BindingRuleId { get; init; }

    /// <summary>Points the request asked to spend (checked against <see cref="MaxPointsToSpend"/> on apply).</summary>
    public required long PointsToSpend { get; init; }

    public required long MoneyMinor { get; init; }

    /// <summary>Discount of a discount-card account (INV-HP-R2), minor units.</summary>
    public long DiscountMinor { get; init; }

    public required long UsableBefore { get; init; }

    public required string TierId { get; init; }

    public required IReadOnlyList<LotPreview> Lots { get; init; }
}

/// <summary>What an applied operation changed, and the new state.</summary>
public sealed record OperationResult
{
    public required string Operation { get; init; }

    public required string TransactionId { get; init; }

    public required string ProgramId { get; init; }

    public required string ProgramVersion { get; init; }

    public required DateTimeOffset At { get; init; }

    public required AccountState State { get; init; }

    public required AccountSummary Summary { get; init; }

    public IReadOnlyList<LotChange> LotChanges { get; set; } = [];

    public long PointsEarned { get; init; }

    public long PointsSpent { get; init; }

    /// <summary>Points removed by a refund, expiry, decay or annulment.</summary>
    public long PointsRemoved { get; init; }

    /// <summary>Points given back by a refund.</summary>
    public long PointsReturned { get; init; }

    public IReadOnlyList<EarnItem> Explanation { get; set; } = [];

    public long MaxPointsToSpend { get; init; }

    public BurnLimitKind? BindingLimit { get; init; }

    public string? BindingRuleId { get; init; }

    public required string TierBefore { get; init; }

    public required string TierAfter { get; init; }

    public string? PendingTierId { get; init; }

    public DateTimeOffset? PendingTierFrom { get; init; }

    /// <summary>Card fee to charge (CSM-R1, CSM-R11).</summary>
    public long FeeMinor { get; init; }

    public long DiscountMinor { get; init; }

    public RewardOrder? Reward { get; init; }

    /// <summary>Rule ids that decided this operation, for audit.</summary>
    public IReadOnlyList<string> Rules { get; set; } = [];
}
