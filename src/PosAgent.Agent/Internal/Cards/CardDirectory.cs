using System.Collections.Concurrent;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Cards;

/// <summary>
/// The cached card snapshots (kept in memory and in SQLite), updated from the central service's
/// answers, the changes feed (blocked, replaced, annulled cards) and sync results.
/// </summary>
internal sealed class CardDirectory
{
    private readonly ConcurrentDictionary<string, CardSnapshot> _cards = new(StringComparer.Ordinal);
    private readonly AgentStore _store;

    public CardDirectory(AgentStore store)
    {
        _store = store;
        foreach (var card in store.LoadCards())
        {
            _cards[card.CardNumber] = card;
        }
    }

    public int Count => _cards.Count;

    public CardSnapshot? Find(string cardNumber) => _cards.TryGetValue(cardNumber, out var card) ? card : null;

    public void Put(CardSnapshot snapshot)
    {
        _cards[snapshot.CardNumber] = snapshot;
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
                _cards[cardNumber] = copy;
                updated.Add(copy);
            }
        }

        _store.PutCards(updated);
    }
}
