namespace PosAgent.Rules;

/// <summary>Limits the engine applies to every request. Validated when the engine is built.</summary>
public sealed class LoyaltyEngineOptions
{
    /// <summary>
    /// How far before the account's latest operation a new one may be dated (default 7 days): an
    /// offline terminal's sales arrive late, but time running further backwards is refused as
    /// <see cref="LoyaltyErrorCode.TimeWentBackwards"/>.
    /// </summary>
    public TimeSpan MaxBackdating { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Orders older than this (business time) are folded out of the account state into
    /// <see cref="OrderHistory"/> by <see cref="LoyaltyEngine.FoldHistory"/> (default 10 days; never
    /// less than <see cref="MaxBackdating"/> plus a day, so per-day limits of a backdated sale still
    /// see every order of its day). Orders waiting for a monthly batch are never folded.
    /// </summary>
    public TimeSpan OrderDetailHorizon { get; init; } = TimeSpan.FromDays(10);

    /// <summary>Largest amount accepted for a line or a payment, in minor units (default 10^11).</summary>
    public long MaxAmountMinor { get; init; } = 100_000_000_000;

    /// <summary>Most lines in one basket (default 500).</summary>
    public int MaxLines { get; init; } = 500;

    /// <summary>Largest point amount accepted in a request (default 10^9).</summary>
    public long MaxPoints { get; init; } = 1_000_000_000;

    internal void Validate()
    {
        var problems = new List<string>();
        if (MaxBackdating < TimeSpan.Zero)
        {
            problems.Add("MaxBackdating must not be negative");
        }

        if (OrderDetailHorizon < TimeSpan.FromDays(1))
        {
            problems.Add("OrderDetailHorizon must be at least one day");
        }

        if (MaxAmountMinor <= 0 || MaxAmountMinor > 1_000_000_000_000_000)
        {
            problems.Add("MaxAmountMinor must be between 1 and 10^15");
        }

        if (MaxLines is <= 0 or > 100_000)
        {
            problems.Add("MaxLines must be between 1 and 100000");
        }

        if (MaxPoints <= 0 || MaxPoints > 1_000_000_000_000_000)
        {
            problems.Add("MaxPoints must be between 1 and 10^15");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid LoyaltyEngineOptions: " + string.Join("; ", problems));
        }
    }
}
