using Google.Protobuf.WellKnownTypes;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Service;

/// <summary>The instant a card snapshot is taken at, and the snapshot's till figures as messages.</summary>
internal static class SnapshotInstant
{
    /// <summary>How far ahead a balance may be asked for (what will be usable, what expires).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(3653);

    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset Of(string field, Timestamp? asOf, DateTimeOffset now)
    {
        if (asOf is null)
        {
            return now;
        }

        DateTimeOffset at;
        try
        {
            at = asOf.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw new RequestValidationException(field, "is not a valid timestamp");
        }

        if (at < Earliest || at > now + MaxAhead)
        {
            throw new RequestValidationException(field, $"must be from 2000-01-01 to {MaxAhead.TotalDays:0} days ahead (was {at:O})");
        }

        return at;
    }

    public static LotSummary Lot(PointLot lot) => new()
    {
        Kind = lot.Kind.ToString().ToLowerInvariant(),
        Points = lot.Remaining,
        UsableFrom = Timestamp.FromDateTimeOffset(lot.UsableFrom),
        ExpiresAt = ProtoMapping.Ts(lot.ExpiresAt),
    };

    public static Contracts.Loyalty.V1.LimitCounters Counters(Rules.LimitCounters counters) => new()
    {
        OrdersToday = counters.OrdersToday,
        RedeemingOrdersToday = counters.RedeemingOrdersToday,
        MaxRedeemingOrdersPerDay = counters.MaxRedeemingOrdersPerDay ?? 0,
        RewardOrdersThisMonth = counters.RewardOrdersThisMonth,
        MaxRewardOrdersPerMonth = counters.MaxRewardOrdersPerMonth ?? 0,
    };
}
