using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Estimation;

/// <summary>What a quote or an offline estimate needs to know about a check.</summary>
/// <remarks>
/// The sale is the one the agent would send (lines, payment parts, promo code), so the estimate is
/// computed by the same mapping (<see cref="PosAgent.Sales.SaleMapping"/>) as the central's result.
/// </remarks>
internal sealed record EstimateInput(
    string ProgramId,
    CardSnapshot Card,
    Sale Sale,
    DateTimeOffset At,
    string TransactionId)
{
    /// <summary>
    /// Points-paying sales on the card this terminal committed and has not synced: the snapshot
    /// does not contain them, so they are spent (and counted as orders) before the estimate.
    /// </summary>
    public IReadOnlyList<PosAgent.Agent.Internal.Storage.UnsyncedSpend> Unsynced { get; init; } = [];
}

/// <summary>Points to earn and the most points spendable, as the cached program computes them.</summary>
internal sealed record SaleEstimate(
    long PointsToEarn,
    IReadOnlyList<EarnExplanation> Explanation,
    long MaxSpendable,
    string BindingLimit,
    string BindingDescription,
    string ProgramVersion,
    string Tier,
    long UsableBefore);

/// <summary>A cached program as the checkout sees it.</summary>
internal sealed record ProgramInfo(string ProgramId, string Version, string Currency, long MinorPerPoint, long OfflineAllowance, DateTimeOffset FetchedAt);

/// <summary>
/// The rules engine as used by the agent: estimates from the cached programs and the cached
/// account state (the central service stays the authority).
/// </summary>
internal interface IEstimator
{
    /// <summary>Programs loaded now.</summary>
    IReadOnlyList<ProgramInfo> Programs { get; }

    ProgramInfo? FindProgram(string programId);

    /// <summary>The program whose card format this number matches, or null.</summary>
    ProgramInfo? ProgramForCard(string cardNumber);

    /// <summary>Null when the category is known to at least one loaded program (or none is loaded); else why not.</summary>
    string? ValidateCategory(string category);

    /// <summary>The discount a discount-card account (INV-HP-R2) gets on the sale's lines; 0 for a bonus account or an unknown one.</summary>
    long DiscountOf(EstimateInput input);

    /// <summary>Estimates a sale; throws <see cref="ApiError"/> when the program refuses the input.</summary>
    SaleEstimate EstimateSale(EstimateInput input);

    /// <summary>
    /// Balance, usable and pending points of a cached card as they will stand at <paramref name="at"/>
    /// if nothing else happens (lots activated or expired by then); null when the card's program or
    /// account state is not cached.
    /// </summary>
    PosAgent.Rules.AccountSummary? SummarizeAt(CardSnapshot card, DateTimeOffset at);

    /// <summary>The card number formats of the loaded programs, for the scanner driver.</summary>
    IReadOnlyList<PosAgent.Devices.Scanning.LoyaltyCardFormat> CardFormats();

    /// <summary>Replaces the loaded program (from the central service or a program file); throws when the definition is invalid.</summary>
    ProgramInfo Load(string definitionJson, string sourceName, DateTimeOffset fetchedAt);
}
