using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Cards;

/// <summary>
/// The cached card snapshots, updated from the central service's answers, the changes feed
/// (blocked, replaced, annulled cards) and sync results. Every snapshot is kept in SQLite; memory
/// holds only the <see cref="Capacity"/> most recently used, because the changes feed brings a
/// stub for every changed card of the chain and a terminal would otherwise hold them all for ever
/// (agent memory rose from 105 to 228 MB over 5,000 checkouts when measured). A card not in memory
/// is read back from SQLite on its next use.
/// </summary>
internal sealed class CardDirectory
{
    /// <summary>Snapshots held in memory by default: far more cards than a lane sees in a day.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<CardSnapshot>> _byNumber = new(StringComparer.Ordinal);
    private readonly LinkedList<CardSnapshot> _recency = new();
    private readonly AgentStore _store;

    public CardDirectory(AgentStore store, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _store = store;
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Snapshots in memory now (at most <see cref="Capacity"/>).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byNumber.Count;
            }
        }
    }

    public CardSnapshot? Find(string cardNumber)
    {
        lock (_gate)
        {
            if (_byNumber.TryGetValue(cardNumber, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value;
            }
        }

        // Read outside the gate: a miss must not hold up the other lanes' lookups.
        if (_store.FindCard(cardNumber) is not { } stored)
        {
            return null;
        }

        Remember(stored, replace: false);
        return stored;
    }

    public void Put(CardSnapshot snapshot)
    {
        Remember(snapshot, replace: true);
        _store.PutCard(snapshot);
    }

    /// <summary>Applies a change from the feed to a cached card (unknown cards are cached as a stub so a blocked card is refused offline).</summary>
    public void Apply(CardChange change)
    {
        var snapshot = Find(change.CardNumber)?.Clone() ?? new CardSnapshot { CardNumber = change.CardNumber, AccountId = change.AccountId };
        snapshot.State = change.State;
        snapshot.ReplacedByCardNumber = change.ReplacedByCardNumber;
        if (change.ValidUntil is not null)
        {
            snapshot.CardValidUntil = change.ValidUntil;
        }

        Put(snapshot);
    }

    /// <summary>Records the balances the central service reported after a batch (the last one per card), in one write.</summary>
    public void UpdateBalances(IReadOnlyDictionary<string, BalanceInfo> balances)
    {
        var updated = new List<CardSnapshot>(balances.Count);
        foreach (var (cardNumber, balance) in balances)
        {
            if (Find(cardNumber) is { } cached)
            {
                var copy = cached.Clone();
                copy.Balance = balance;
                Remember(copy, replace: true);
                updated.Add(copy);
            }
        }

        _store.PutCards(updated);
    }

    private void Remember(CardSnapshot snapshot, bool replace)
    {
        lock (_gate)
        {
            if (_byNumber.TryGetValue(snapshot.CardNumber, out var node))
            {
                if (replace)
                {
                    node.Value = snapshot;
                }

                _recency.Remove(node);
                _recency.AddFirst(node);
                return;
            }

            _byNumber[snapshot.CardNumber] = _recency.AddFirst(snapshot);
            while (_byNumber.Count > Capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _byNumber.Remove(oldest.Value.CardNumber);
            }
        }
    }
}
