namespace PosAgent.Rules.Internal;

/// <summary>
/// A private working copy of an account for one operation. The caller's <see cref="AccountState"/>
/// is never touched; <see cref="Build"/> produces the new state only when the operation succeeds.
/// </summary>
internal sealed class Ledger
{
    private readonly HashSet<string> _transactionIds;

    public Ledger(AccountState state)
    {
        State = state;
        Lots = [.. state.Lots];
        Orders = [.. state.Orders];
        Grants = [.. state.Grants];
        Rewards = [.. state.Rewards];
        TransactionIds = [.. state.TransactionIds];
        Batches = [.. state.BatchesCredited];
        _transactionIds = new HashSet<string>(state.TransactionIds, StringComparer.Ordinal);
    }

    /// <summary>Scalar fields; lists live in the properties below.</summary>
    public AccountState State { get; set; }

    public List<PointLot> Lots { get; }

    public List<OrderRecord> Orders { get; }

    public List<GrantRecord> Grants { get; }

    public List<RewardOrder> Rewards { get; }

    public List<string> TransactionIds { get; }

    public List<string> Batches { get; }

    public List<LotChange> Changes { get; } = [];

    public List<string> Rules { get; } = [];

    public long Created { get; set; }

    public long Removed { get; set; }

    public long Returned { get; set; }

    public bool HasTransaction(string id) => _transactionIds.Contains(id);

    public void AddTransaction(string id)
    {
        if (_transactionIds.Add(id))
        {
            TransactionIds.Add(id);
        }
    }

    public void Cite(string? rule)
    {
        if (rule is not null && !Rules.Contains(rule))
        {
            Rules.Add(rule);
        }
    }

    public int FindLot(string id)
    {
        for (var i = 0; i < Lots.Count; i++)
        {
            if (Lots[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Adds a lot; a positive one first repays any refund debt.</summary>
    public void Credit(PointLot lot)
    {
        var remaining = lot.Remaining;
        for (var i = 0; i < Lots.Count && remaining > 0; i++)
        {
            var debt = Lots[i];
            if (debt.Remaining < 0)
            {
                var x = Math.Min(remaining, -debt.Remaining);
                Lots[i] = debt with { Remaining = debt.Remaining + x };
                remaining -= x;
                Changes.Add(new LotChange(debt.Id, debt.Kind, LotChangeKind.DebtRepaid, x, debt.RuleId));
            }
        }

        Lots.Add(lot with { Remaining = remaining });
        Changes.Add(new LotChange(lot.Id, lot.Kind, LotChangeKind.Created, lot.Amount, lot.RuleId));
        Created += lot.Amount;
    }

    /// <summary>Indexes of lots with points left, alive at <paramref name="at"/>, earliest expiry first.</summary>
    public List<int> SpendOrder(DateTimeOffset at, bool usableOnly)
    {
        var idx = new List<int>();
        for (var i = 0; i < Lots.Count; i++)
        {
            var l = Lots[i];
            if (l.Remaining > 0 && LotMath.Alive(l, at) && (!usableOnly || (l.UsableFrom <= at && l.CreditedAt <= at)))
            {
                idx.Add(i);
            }
        }

        idx.Sort((a, b) => LotMath.CompareSpendOrder(Lots[a], Lots[b]));
        return idx;
    }

    /// <summary>Takes up to <paramref name="points"/> from the lots in spend order; returns what it took per lot.</summary>
    public long Take(long points, DateTimeOffset at, bool usableOnly, LotChangeKind change, List<LotAmount>? taken, string? rule)
    {
        var left = points;
        foreach (var i in SpendOrder(at, usableOnly))
        {
            if (left == 0)
            {
                break;
            }

            left -= TakeFrom(i, left, change, taken, rule);
        }

        return points - left;
    }

    public long TakeFrom(int index, long points, LotChangeKind change, List<LotAmount>? taken, string? rule)
    {
        var lot = Lots[index];
        var x = Math.Min(points, lot.Remaining);
        if (x <= 0)
        {
            return 0;
        }

        Lots[index] = lot with { Remaining = lot.Remaining - x };
        Changes.Add(new LotChange(lot.Id, lot.Kind, change, x, rule ?? lot.RuleId));
        taken?.Add(new LotAmount(lot.Id, x));
        return x;
    }

    public AccountState Build(string programVersion, DateTimeOffset at) => State with
    {
        ProgramVersion = programVersion,
        LastOperationAt = at > State.LastOperationAt ? at : State.LastOperationAt,
        Lots = [.. Lots],
        Orders = [.. Orders],
        Grants = [.. Grants],
        Rewards = [.. Rewards],
        TransactionIds = [.. TransactionIds],
        BatchesCredited = [.. Batches],
    };
}

internal static class LotMath
{
    public static bool Alive(PointLot lot, DateTimeOffset at) => !lot.Expired && (lot.ExpiresAt is null || lot.ExpiresAt > at);

    public static int CompareSpendOrder(PointLot a, PointLot b)
    {
        var c = (a.ExpiresAt ?? DateTimeOffset.MaxValue).CompareTo(b.ExpiresAt ?? DateTimeOffset.MaxValue);
        if (c == 0)
        {
            c = a.CreditedAt.CompareTo(b.CreditedAt);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    }

    /// <summary>Balance (alive lots) and usable (alive, credited and activated) at a moment.</summary>
    public static (long Balance, long Usable) Totals(IReadOnlyList<PointLot> lots, DateTimeOffset at)
    {
        long balance = 0, usable = 0;
        for (var i = 0; i < lots.Count; i++)
        {
            var l = lots[i];
            if (l.Remaining == 0 || !Alive(l, at))
            {
                continue;
            }

            balance += l.Remaining;
            if (l.UsableFrom <= at && l.CreditedAt <= at)
            {
                usable += l.Remaining;
            }
        }

        return (balance, usable);
    }

    /// <summary>Splits <paramref name="total"/> over weights in proportion, remainders to the first lines (deterministic).</summary>
    public static void Distribute(long total, ReadOnlySpan<long> weights, Span<long> result)
    {
        Int128 sum = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += Math.Max(weights[i], 0);
        }

        result.Clear();
        if (sum == 0 || total == 0)
        {
            return;
        }

        var given = 0L;
        for (var i = 0; i < weights.Length; i++)
        {
            result[i] = (long)((Int128)total * Math.Max(weights[i], 0) / sum);
            given += result[i];
        }

        for (var i = 0; given < total; i = (i + 1) % weights.Length)
        {
            if (weights[i] > 0)
            {
                result[i]++;
                given++;
            }
        }
    }
}
