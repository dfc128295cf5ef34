namespace PosAgent.Rules.Internal;

internal enum EarnRuleKind
{
    TierRate,
    Rate,
    AmountBand,
    PerUnits,
}

internal enum ShortfallPolicy
{
    Debt,
    Forgive,
}

internal enum TierBasis
{
    None,
    TotalSpend,
    Rolling365,
    StatusPoints,
    Manual,
}

internal enum EventTrigger
{
    Manual,
    Enroll,
    FirstOrder,
    Birthday,
}

internal enum OncePolicy
{
    Unlimited,
    PerAccount,
    PerYear,
}

internal sealed class CompiledCategory
{
    public required string Id { get; init; }

    public required bool Earns { get; init; }

    public required bool Redeemable { get; init; }

    /// <summary>-1: the program's bill share.</summary>
    public required long BurnShareBp { get; init; }

    public string? Rule { get; init; }
}

internal sealed class CompiledTier
{
    public required string Id { get; init; }

    public required int Index { get; init; }

    public required long EarnBp { get; init; }

    /// <summary>-1: no tier cap.</summary>
    public required long BurnShareBp { get; init; }

    public long? MinSpendMinor { get; init; }

    public int? MinOrders { get; init; }

    public long? SingleOrderMinMinor { get; init; }

    public long? MinStatusPoints { get; init; }

    public bool ManualOnly { get; init; }

    public Period Validity { get; init; } = Period.Never;

    public long RewardDiscountBp { get; init; }

    public string? Rule { get; init; }
}

internal sealed class CompiledLotKind
{
    public Period Activation { get; init; } = Period.Zero;

    public Period Expiry { get; init; } = Period.Never;

    public Period CreditDelay { get; init; } = Period.Zero;

    public bool AnchorGoodsReceived { get; init; }

    public string? Rule { get; init; }
}

internal readonly record struct Band(long FromMinor, long ToMinor, long Bp);

internal sealed class CompiledEarnRule
{
    public required string Id { get; init; }

    public required EarnRuleKind Kind { get; init; }

    public required string Description { get; init; }

    public long Bp { get; init; }

    public Band[] Bands { get; init; } = [];

    public long UnitMinor { get; init; }

    public long PointsPerUnit { get; init; }

    /// <summary>Per category index: whether the rule applies; null: every category.</summary>
    public bool[]? CategoryMask { get; init; }

    /// <summary>Bit per <see cref="PaymentType"/>; 0: every earning payment.</summary>
    public int PaymentMask { get; init; }

    /// <summary>Bit per <see cref="DayOfWeek"/>; 0: every day.</summary>
    public int DayMask { get; init; }

    /// <summary>Per tier index; null: every tier.</summary>
    public bool[]? TierMask { get; init; }

    public required LotKind LotKind { get; init; }
}

internal sealed class CompiledEvent
{
    public required string Id { get; init; }

    public required string Rule { get; init; }

    public required EventTrigger Trigger { get; init; }

    public long? Points { get; init; }

    public long MinPoints { get; init; }

    public long MaxPoints { get; init; }

    public required LotKind LotKind { get; init; }

    public required OncePolicy Once { get; init; }

    public DateOnly? JoinedOnOrAfter { get; init; }

    public bool[]? CategoryMask { get; init; }
}

internal sealed class CompiledCatalogItem
{
    public required string Id { get; init; }

    public required long Price { get; init; }

    public bool OncePerCustomer { get; init; }

    public Period Validity { get; init; } = Period.Never;

    public string[] Regions { get; init; } = [];
}

internal sealed class CompiledDecayStep
{
    public required int FromMonth { get; init; }

    public required int ToMonth { get; init; }

    public required long Points { get; init; }
}

internal sealed class CompiledDiscountLevel
{
    public required string Id { get; init; }

    public required long Bp { get; init; }

    public long? SingleOrderMinMinor { get; init; }

    public long? TotalSpendMinMinor { get; init; }
}

/// <summary>A validated program in the shape the hot path wants: arrays and indexes, no strings to parse.</summary>
internal sealed class CompiledProgram
{
    public required ProgramDefinition Definition { get; init; }

    public required string Id { get; init; }

    public required string Version { get; init; }

    public required long PointValueMinor { get; init; }

    public required TimeSpan Offset { get; init; }

    public string? Country { get; init; }

    public required CardNumberFormat Card { get; init; }

    public Period CardValidity { get; init; } = Period.Never;

    public RoundingMode EarnRounding { get; init; }

    public RoundingMode BurnCapRounding { get; init; }

    public RoundingMode RefundRounding { get; init; }

    public RoundingMode RewardDiscountRounding { get; init; }

    public required CompiledCategory[] Categories { get; init; }

    public required Dictionary<string, int> CategoryIndex { get; init; }

    public required CompiledTier[] Tiers { get; init; }

    public required Dictionary<string, int> TierIndex { get; init; }

    public TierBasis TierBasis { get; init; }

    public bool TierNextDay { get; init; }

    public bool TierAllowDowngrade { get; init; }

    public Period StatusWindow { get; init; } = Period.Never;

    public bool[] StatusPointKinds { get; init; } = new bool[8];

    /// <summary>Indexed by <see cref="LotKind"/>.</summary>
    public required CompiledLotKind[] LotKinds { get; init; }

    public bool MonthlyBatch { get; init; }

    public int BatchDayOfMonth { get; init; } = 15;

    public bool EarnWhenRedeeming { get; init; } = true;

    public string? EarnWhenRedeemingRule { get; init; }

    public string? ExcludeDiscountedEarnRule { get; init; }

    public string? ExcludePromotionalEarnRule { get; init; }

    public int NonEarningPaymentMask { get; init; }

    public string? NonEarningPaymentRule { get; init; }

    public string? CardNotPresentedRule { get; init; }

    public string? RecipientNotOwnerRule { get; init; }

    public string? PointsPartRule { get; init; }

    public required CompiledEarnRule[] EarnRules { get; init; }

    public long BillShareBp { get; init; } = 10_000;

    public string? BillShareRule { get; init; }

    public long? MaxPointsPerOrder { get; init; }

    public string? MaxPointsPerOrderRule { get; init; }

    public int? MaxRedeemingOrdersPerDay { get; init; }

    public string? MaxRedeemingOrdersRule { get; init; }

    public string? PromoCodeExclusiveRule { get; init; }

    public string? DiscountCardExclusiveRule { get; init; }

    public string? OwnerOnlyRule { get; init; }

    public string? BurnExcludeDiscountedRule { get; init; }

    public string? BurnExcludePromotionalRule { get; init; }

    public string? NotRedeemableItemsRule { get; init; }

    public ShortfallPolicy Shortfall { get; init; }

    public Period RefundReturnDelay { get; init; } = Period.Zero;

    public Period? RefundWindow { get; init; }

    public string? RefundRule { get; init; }

    public required Dictionary<string, CompiledEvent> Events { get; init; }

    public required CompiledEvent[] EventList { get; init; }

    public Dictionary<string, CompiledCatalogItem>? Catalog { get; init; }

    public DecayDefinition? Decay { get; init; }

    public CompiledDecayStep[] DecaySteps { get; init; } = [];

    public CompiledDiscountLevel[] DiscountLevels { get; init; } = [];

    public bool[]? DiscountExcludedCategories { get; init; }

    public required string CurrencyCode { get; init; }
}
