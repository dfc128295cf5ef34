namespace PosAgent.Rules.Internal;

/// <summary>
/// The part of an account's state a till needs to estimate and limit a sale, bounded whatever
/// the account's history (#17: a card with 6,500 sales sent 4.6 MB per lookup). Balance, usable
/// and pending figures and the spend order are kept exactly; what only the ledger needs (every
/// transaction id, every spent lot, every old order with its lines) is left out, and live lots
/// are merged where a till cannot tell them apart.
/// </summary>
internal static class TillView
{
    /// <summary>
    /// Live lots per group (usable, pending, debt) after merging by kind and expiry day; past it,
    /// neighbours in spend order are merged too, keeping totals and taking the earliest expiry, so
    /// figures now stay exact and figures at a later date err on the side of fewer points.
    /// </summary>
    public const int MaxLotsPerGroup = 32;

    /// <summary>Recent redeeming orders kept for the daily limits (the tightest, INV-HP-R3, is 3 a day).</summary>
    public const int MaxOrders = 32;

    public const int MaxGrants = 32;

    public const int MaxRewards = 32;

    public const int MaxPreviousCards = 8;

    public const int MaxBatchMonths = 3;

    public static AccountState Build(AccountState state, TimeSpan offset, DateTimeOffset at) => state with
    {
        TransactionIds = [],
        Lots = Lots(state.Lots, at),
        Orders = Orders(state.Orders, offset, at),
        Grants = [.. LatestPerKey(state.Grants, g => g.EventId, g => g.At).TakeLast(MaxGrants)],
        Rewards = Rewards(state.Rewards, offset, at),
        PreviousCards = [.. state.PreviousCards.TakeLast(MaxPreviousCards)],
        BatchesCredited = [.. state.BatchesCredited.TakeLast(MaxBatchMonths)],
        // The totals tell a till the member has ordered before; the per-day figures are for tiers, the ledger's business.
        History = state.History is { } history ? history with { Days = [] } : null,
    };

    /// <summary>Redeeming orders of today and yesterday (program time) for the per-day limits, and the newest order so "has ordered before" holds; lines are the ledger's business.</summary>
    private static List<OrderRecord> Orders(IReadOnlyList<OrderRecord> orders, TimeSpan offset, DateTimeOffset at)
    {
        var local = at.ToOffset(offset);
        var since = new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, offset).AddDays(-1);
        var kept = new List<OrderRecord>();
        for (var i = orders.Count - 1; i >= 0 && kept.Count < MaxOrders; i--)
        {
            var o = orders[i];
            if (i == orders.Count - 1 || (o.PointsSpent > 0 && o.At >= since))
            {
                kept.Add(o with { Lines = [], SpentFrom = [], EarnedLots = [], PendingAccruals = [] });
            }
        }

        kept.Reverse();
        return kept;
    }

    /// <summary>This and last month's reward orders (monthly limits), and the newest of each item (once-per-customer items, RT-R6).</summary>
    private static List<RewardOrder> Rewards(IReadOnlyList<RewardOrder> rewards, TimeSpan offset, DateTimeOffset at)
    {
        var local = at.ToOffset(offset);
        var since = new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, offset).AddMonths(-1);
        var newestPerItem = LatestPerKey(rewards, r => r.ItemId, r => r.At).ToHashSet();
        return [.. rewards.Where(r => r.At >= since || newestPerItem.Contains(r)).TakeLast(MaxRewards)];
    }

    private static IEnumerable<T> LatestPerKey<T>(IReadOnlyList<T> items, Func<T, string> key, Func<T, DateTimeOffset> at)
        where T : class =>
        items.GroupBy(key, StringComparer.Ordinal).Select(g => g.MaxBy(at)!).OrderBy(at);

    private static List<PointLot> Lots(IReadOnlyList<PointLot> lots, DateTimeOffset at)
    {
        var live = lots.Where(l => l.Remaining != 0 && LotMath.Alive(l, at)).ToList();
        live.Sort(LotMath.CompareSpendOrder);
        var result = new List<PointLot>();
        result.AddRange(Merge(live.Where(l => l.Remaining > 0 && Usable(l, at)), at));
        result.AddRange(Merge(live.Where(l => l.Remaining > 0 && !Usable(l, at)), at));
        result.AddRange(Merge(live.Where(l => l.Remaining < 0), at));
        result.Sort(LotMath.CompareSpendOrder);
        return result;
    }

    private static bool Usable(PointLot lot, DateTimeOffset at) => lot.UsableFrom <= at && lot.CreditedAt <= at;

    /// <summary>
    /// Lots of one kind expiring on the same day (and, when not usable yet, becoming usable in the
    /// same hour) are one lot to a till; past <see cref="MaxLotsPerGroup"/> neighbours in spend
    /// order are merged too. A merged lot expires with its earliest member and becomes usable with
    /// its latest, so a till never offers points earlier or longer than the ledger holds them.
    /// </summary>
    private static List<PointLot> Merge(IEnumerable<PointLot> lots, DateTimeOffset at)
    {
        var groups = lots
            .GroupBy(l => (l.Kind, Expires: l.ExpiresAt?.UtcDateTime.Date, Usable: Usable(l, at) ? DateTime.MinValue : HourUp(l.UsableFrom)))
            .Select(g => Combine([.. g]))
            .ToList();
        groups.Sort(LotMath.CompareSpendOrder);
        if (groups.Count <= MaxLotsPerGroup)
        {
            return groups;
        }

        var size = (groups.Count + MaxLotsPerGroup - 1) / MaxLotsPerGroup;
        return [.. groups.Chunk(size).Select(Combine)];
    }

    private static DateTime HourUp(DateTimeOffset t)
    {
        var utc = t.UtcDateTime;
        var hour = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
        return hour == utc ? hour : hour.AddHours(1);
    }

    private static PointLot Combine(IReadOnlyList<PointLot> group)
    {
        if (group.Count == 1)
        {
            return group[0];
        }

        var first = group[0];
        return first with
        {
            RuleId = group.All(l => l.RuleId == first.RuleId) ? first.RuleId : null,
            Amount = group.Sum(l => l.Amount),
            Remaining = group.Sum(l => l.Remaining),
            TakenBack = group.Sum(l => l.TakenBack),
            CreditedAt = group.Max(l => l.CreditedAt),
            UsableFrom = group.Max(l => l.UsableFrom),
            ExpiresAt = group.All(l => l.ExpiresAt is null) ? null : group.Where(l => l.ExpiresAt is not null).Min(l => l.ExpiresAt),
        };
    }
}
