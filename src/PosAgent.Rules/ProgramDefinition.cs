using System.Text.Json.Serialization;

namespace PosAgent.Rules;

// The JSON schema of a program file (programs/*.json), one record per object. Field-by-field
// documentation with examples is in docs/programs.md. Percentages are decimals with at most two
// decimal places (5.5 = 5.5 %), money is in minor units of the program's currency, periods are
// ISO-8601-like strings ("PT24H", "P3D", "P3M", "P1Y") or "never". Optional members with defaults
// have setters, not init: source-generated deserialization would reset init-only defaults.

/// <summary>A loyalty program file as written on disk.</summary>
public sealed record ProgramDefinition
{
    /// <summary>Program id, e.g. "CSM"; rule ids in the file start with it.</summary>
    public required string Id { get; init; }

    /// <summary>Version of the file; recorded with every result.</summary>
    public required string Version { get; init; }

    public string? Name { get; init; }

    /// <summary>ISO 4217 code, e.g. "RUB".</summary>
    public required string Currency { get; init; }

    /// <summary>Minor units per currency unit (100 for RUB, 1 for IRR). One point is worth one unit.</summary>
    public long MinorUnitsPerUnit { get; set; } = 100;

    /// <summary>The program's local offset ("+03:00"): days, weekdays, months and birthdays are counted in it.</summary>
    public string UtcOffset { get; set; } = "+00:00";

    /// <summary>Country where points are valid (null: anywhere).</summary>
    public string? Country { get; init; }

    public required CardFormatDefinition Card { get; init; }

    /// <summary>Points a terminal may let one card spend while it cannot reach the central service.</summary>
    public long OfflineRedemptionAllowance { get; init; }

    public RoundingDefinition Rounding { get; set; } = new();

    public MembershipDefinition Membership { get; set; } = new();

    public required IReadOnlyList<CategoryDefinition> Categories { get; init; }

    public required TierSetDefinition Tiers { get; init; }

    /// <summary>Activation and expiry per lot kind (purchase, welcome, birthday, gift, promotion, referral, usefulAction, adjustment).</summary>
    public required IReadOnlyDictionary<string, LotKindDefinition> LotKinds { get; init; }

    public required EarnDefinition Earn { get; init; }

    public required BurnDefinition Burn { get; init; }

    public RefundDefinition Refund { get; set; } = new();

    public IReadOnlyList<EventDefinition> Events { get; set; } = [];

    public CatalogDefinition? Catalog { get; init; }

    public DecayDefinition? Decay { get; init; }

    public DiscountCardDefinition? DiscountCard { get; init; }

    /// <summary>Rule id to the reading chosen where the source text is ambiguous.</summary>
    public IReadOnlyDictionary<string, string> Choices { get; set; } = new Dictionary<string, string>();
}

/// <summary>How the scanner driver recognises this program's loyalty cards.</summary>
public sealed record CardFormatDefinition
{
    /// <summary>Digits in a card number.</summary>
    public required int Length { get; init; }

    /// <summary>Allowed prefixes (empty: any).</summary>
    public IReadOnlyList<string> Prefixes { get; set; } = [];

    /// <summary>"luhn", "ean13" or "none".</summary>
    public string CheckDigit { get; set; } = "none";

    /// <summary>How long a card is valid from issue (CSM-R13); null: no end date.</summary>
    public string? Validity { get; init; }

    public string? ValidityRule { get; init; }

    /// <summary>Fee for issuing or replacing a card (CSM-R1, CSM-R11); null: free.</summary>
    public CardFeeDefinition? Fee { get; init; }
}

public sealed record CardFeeDefinition
{
    public required string Rule { get; init; }

    public required long FeeMinor { get; init; }

    /// <summary>The card is free with a qualifying payment strictly over this amount.</summary>
    public required long FreeWithPaymentOverMinor { get; init; }
}

/// <summary>Rounding modes: "floor", "ceiling", "halfUp", "halfEven".</summary>
public sealed record RoundingDefinition
{
    /// <summary>Points earned, per rule over the basket (default floor).</summary>
    public string Earn { get; set; } = "floor";

    /// <summary>The most points a bill share allows (default floor).</summary>
    public string BurnCap { get; set; } = "floor";

    /// <summary>Points taken back or returned on a partial refund (default halfUp).</summary>
    public string Refund { get; set; } = "halfUp";

    /// <summary>Tier discount on catalog rewards (default floor: the discount is rounded down).</summary>
    public string RewardDiscount { get; set; } = "floor";
}

public sealed record MembershipDefinition
{
    /// <summary>"explicit" (enrol call) or "firstOrder" (a sale on an unknown client enrols it, INV-BY-R1).</summary>
    public string Enrolment { get; set; } = "explicit";

    public string? Rule { get; init; }

    public bool RequiresRegistrationForm { get; init; }

    public bool RequiresPhoneConfirmation { get; init; }

    /// <summary>Spend on services needed before a card is issued (ATI-R1).</summary>
    public long MinQualifyingSpendMinor { get; init; }
}

public sealed record CategoryDefinition
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public bool Earns { get; set; } = true;

    public bool Redeemable { get; set; } = true;

    /// <summary>Share of the category's lines payable with points; null: the program's bill share.</summary>
    public decimal? MaxBurnSharePercent { get; init; }

    /// <summary>Rule that makes this category special (cited in explanations).</summary>
    public string? Rule { get; init; }
}

public sealed record TierSetDefinition
{
    /// <summary>"none", "totalSpend", "rolling365", "statusPoints" or "manual".</summary>
    public string Basis { get; set; } = "none";

    /// <summary>"immediate" or "nextDay" (the day after the points are credited, STM-R9).</summary>
    public string Effect { get; set; } = "immediate";

    public string? Rule { get; init; }

    public string? EffectRule { get; init; }

    /// <summary>Window for status points (statusPoints basis), e.g. "P12M"; null: since joining.</summary>
    public string? StatusWindow { get; init; }

    /// <summary>Lot kinds whose credited points count as status points.</summary>
    public IReadOnlyList<string> StatusPointKinds { get; set; } = ["purchase"];

    /// <summary>Whether a tier may drop when its metric falls (rolling365) or its validity ends.</summary>
    public bool AllowDowngrade { get; init; }

    /// <summary>Ordered from the entry tier up.</summary>
    public required IReadOnlyList<TierDefinition> Levels { get; init; }
}

public sealed record TierDefinition
{
    public required string Id { get; init; }

    public decimal EarnPercent { get; init; }

    /// <summary>Share of the bill payable with points at this tier (STM-R2); null: no tier cap.</summary>
    public decimal? BurnSharePercent { get; init; }

    /// <summary>Spend (total or rolling) needed, together with <see cref="MinOrders"/>.</summary>
    public long? MinSpendMinor { get; init; }

    public int? MinOrders { get; init; }

    /// <summary>Alternatively one paid order of at least this amount (INV-KZ-R3).</summary>
    public long? SingleOrderMinMinor { get; init; }

    public long? MinStatusPoints { get; init; }

    /// <summary>Only assigned by hand (INV-HP-R6).</summary>
    public bool ManualOnly { get; init; }

    /// <summary>How long the tier holds once reached (RT-R4); null: no end.</summary>
    public string? Validity { get; init; }

    /// <summary>Discount on catalog rewards (RT-R4).</summary>
    public decimal RewardDiscountPercent { get; init; }

    public string? Rule { get; init; }
}

public sealed record LotKindDefinition
{
    /// <summary>Delay from crediting until the points are usable ("PT24H"); default "PT0S".</summary>
    public string Activation { get; set; } = "PT0S";

    /// <summary>Life from crediting ("P1Y") or "never".</summary>
    public string Expiry { get; set; } = "never";

    /// <summary>Delay before the points are credited at all ("P7D", STM-R3); default "PT0S".</summary>
    public string CreditDelay { get; set; } = "PT0S";

    /// <summary>"transaction" or "goodsReceived": what the credit delay counts from.</summary>
    public string CreditAnchor { get; set; } = "transaction";

    public string? Rule { get; init; }
}

public sealed record EarnDefinition
{
    /// <summary>"immediate" or "monthlyBatch" (RT-R3).</summary>
    public string Accrual { get; set; } = "immediate";

    /// <summary>Day of the next month on which a monthly batch is credited.</summary>
    public int BatchDayOfMonth { get; set; } = 15;

    public string? AccrualRule { get; init; }

    /// <summary>Whether points may be earned on a bill that also spends points (INV-BY-R3).</summary>
    public bool EarnWhenRedeeming { get; set; } = true;

    public string? EarnWhenRedeemingRule { get; init; }

    public IReadOnlyList<EarnExclusionDefinition> Exclusions { get; set; } = [];

    public required IReadOnlyList<EarnRuleDefinition> Rules { get; init; }
}

/// <summary>
/// Kinds: "discountedLines", "promotionalLines", "pointsPart" (explanation only: points never earn), "payments" (money of these payment types earns
/// nothing), "cardNotPresented", "recipientNotOwner".
/// </summary>
public sealed record EarnExclusionDefinition
{
    public required string Rule { get; init; }

    public required string Kind { get; init; }

    public IReadOnlyList<string> Payments { get; set; } = [];
}

/// <summary>Kinds: "tierRate", "rate", "amountBand", "perUnits".</summary>
public sealed record EarnRuleDefinition
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    public string? Description { get; init; }

    public decimal? Percent { get; init; }

    public IReadOnlyList<BandDefinition>? Bands { get; init; }

    /// <summary>perUnits: money per step, e.g. 500 (5 RUB).</summary>
    public long? UnitMinor { get; init; }

    public long? PointsPerUnit { get; init; }

    /// <summary>Only lines of these categories (null: every earning category).</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    public IReadOnlyList<string>? ExcludeCategories { get; init; }

    /// <summary>Only money paid by these payment types (null: every earning payment).</summary>
    public IReadOnlyList<string>? Payments { get; init; }

    /// <summary>Only on these weekdays ("Saturday"), in the program's offset.</summary>
    public IReadOnlyList<string>? DaysOfWeek { get; init; }

    /// <summary>Only for these tiers.</summary>
    public IReadOnlyList<string>? Tiers { get; init; }

    public string LotKind { get; set; } = "purchase";
}

/// <summary>An amount band on the eligible order total; bands must not overlap.</summary>
public sealed record BandDefinition
{
    public required long FromMinor { get; init; }

    /// <summary>Inclusive upper bound; null: no upper bound.</summary>
    public long? ToMinor { get; init; }

    public required decimal Percent { get; init; }
}

public sealed record BurnDefinition
{
    public required IReadOnlyList<BurnRuleDefinition> Rules { get; init; }
}

/// <summary>
/// Kinds: "billShare" (percent), "maxPointsPerOrder" (points), "maxRedeemingOrdersPerDay" (orders),
/// "promoCodeExclusive", "discountCardExclusive", "ownerOnly", "discountedLines",
/// "promotionalLines" (such lines cannot be paid with points), "notRedeemableItems" (cited when a line
/// is flagged NotRedeemable), "anyTime" (documentation only).
/// </summary>
public sealed record BurnRuleDefinition
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    public decimal? Percent { get; init; }

    public long? Points { get; init; }

    public int? Orders { get; init; }
}

public sealed record RefundDefinition
{
    public string? Rule { get; init; }

    /// <summary>"debt" (a negative adjustment lot that later credits repay) or "forgive".</summary>
    public string Shortfall { get; set; } = "debt";

    /// <summary>Delay before returned points are usable again (STM-R10 "within 24 hours").</summary>
    public string ReturnDelay { get; set; } = "PT0S";

    /// <summary>Refunds accepted this long after the sale (STM-R10 7 days); null: any time.</summary>
    public string? Window { get; init; }
}

/// <summary>
/// Kinds: "welcome", "birthday", "usefulAction", "referral", "gift", "promotion". Triggers: "enroll",
/// "firstOrder", "birthday" (daily job), "manual".
/// </summary>
public sealed record EventDefinition
{
    public required string Id { get; init; }

    public required string Rule { get; init; }

    public required string Kind { get; init; }

    public string Trigger { get; set; } = "manual";

    /// <summary>Fixed points; or leave null and give <see cref="MinPoints"/>/<see cref="MaxPoints"/> for a range chosen per grant.</summary>
    public long? Points { get; init; }

    public long? MinPoints { get; init; }

    public long? MaxPoints { get; init; }

    /// <summary>Lot kind of the points (default: the event kind).</summary>
    public string? LotKind { get; init; }

    /// <summary>"unlimited", "perAccount" or "perYear".</summary>
    public string Once { get; set; } = "unlimited";

    /// <summary>Only members who joined on or after this date (INV-KZ-R5).</summary>
    public DateOnly? JoinedOnOrAfter { get; init; }

    /// <summary>Minimum total of the first order's lines in these categories (firstOrder trigger).</summary>
    public IReadOnlyList<string>? Categories { get; init; }
}

public sealed record CatalogDefinition
{
    public required string Rule { get; init; }

    public int? MaxOrdersPerMonth { get; init; }

    public bool Cancellable { get; init; }

    public bool RefuseWhenCustomerOwes { get; set; } = true;

    public string? LimitsRule { get; init; }

    public required IReadOnlyList<CatalogItemDefinition> Items { get; init; }
}

public sealed record CatalogItemDefinition
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public required long Price { get; init; }

    public bool OncePerCustomer { get; init; }

    /// <summary>"P2M", "PT48H", "endOfMonth" or "never".</summary>
    public string Validity { get; set; } = "never";

    /// <summary>Regions where the item is offered (RT-R8); empty: all.</summary>
    public IReadOnlyList<string> Regions { get; set; } = [];
}

public sealed record DecayDefinition
{
    public required string Rule { get; init; }

    /// <summary>Months after the last visit with no decay.</summary>
    public required int GraceMonths { get; init; }

    public required IReadOnlyList<DecayStepDefinition> Steps { get; init; }
}

public sealed record DecayStepDefinition
{
    public required int FromMonth { get; init; }

    /// <summary>Inclusive; null: for ever.</summary>
    public int? ToMonth { get; init; }

    public required long Points { get; init; }
}

public sealed record DiscountCardDefinition
{
    public required string Rule { get; init; }

    public IReadOnlyList<string> ExcludedCategories { get; set; } = [];

    public bool SwitchRequiresWrittenRequest { get; set; } = true;

    public required IReadOnlyList<DiscountLevelDefinition> Levels { get; init; }
}

public sealed record DiscountLevelDefinition
{
    public required string Id { get; init; }

    public required decimal Percent { get; init; }

    public long? SingleOrderMinMinor { get; init; }

    public long? TotalSpendMinMinor { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ProgramDefinition))]
internal sealed partial class ProgramJsonContext : JsonSerializerContext;
