using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Cards;

/// <summary>The card cache holds a bounded number of snapshots in memory; the rest are read back from SQLite.</summary>
public sealed class CardDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new("pa-cards-");
    private readonly AgentStore _store;

    public CardDirectoryTests() => _store = AgentStore.Open(_dir.File("agent.db"), TestClock.Create());

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Put_MoreCardsThanCapacity_MemoryStaysAtCapacity_EvictedOnesComeBackFromSqlite()
    {
        var cards = new CardDirectory(_store, capacity: 3);

        for (var i = 0; i < 50; i++)
        {
            cards.Put(Snapshot(i, balance: 100 + i));
        }

        Assert.Equal(3, cards.Count);
        var first = cards.Find(Number(0));
        Assert.NotNull(first);
        Assert.Equal(100, first.Balance.Balance);
        Assert.Equal(3, cards.Count);
        Assert.Null(cards.Find("9999999999999999"));
    }

    [Fact]
    public void Find_RecentlyUsedCard_StaysInMemoryWhileOthersAreEvicted()
    {
        var cards = new CardDirectory(_store, capacity: 2);
        cards.Put(Snapshot(1, balance: 1));
        cards.Put(Snapshot(2, balance: 2));

        cards.Find(Number(1));
        cards.Put(Snapshot(3, balance: 3));
        _store.PutCard(Snapshot(1, balance: 999)); // changed behind the cache: a hit must not read SQLite

        Assert.Equal(1, cards.Find(Number(1))!.Balance.Balance);
        Assert.Equal(2, cards.Find(Number(2))!.Balance.Balance);
    }

    [Fact]
    public void Apply_BlockOfAnEvictedCard_KeepsItsBalanceAndIsSeenAfterEviction()
    {
        var cards = new CardDirectory(_store, capacity: 1);
        cards.Put(Snapshot(1, balance: 500));
        cards.Put(Snapshot(2, balance: 7));

        cards.Apply(new CardChange { CardNumber = Number(1), State = CardState.Blocked });
        cards.Put(Snapshot(3, balance: 8));

        var blocked = cards.Find(Number(1))!;
        Assert.Equal(CardState.Blocked, blocked.State);
        Assert.Equal(500, blocked.Balance.Balance);
    }

    [Fact]
    public void UpdateBalances_EvictedCard_UpdatedInSqlite()
    {
        var cards = new CardDirectory(_store, capacity: 1);
        cards.Put(Snapshot(1, balance: 10));
        cards.Put(Snapshot(2, balance: 20));

        cards.UpdateBalances(new Dictionary<string, BalanceInfo> { [Number(1)] = new BalanceInfo { Balance = 11 } });

        Assert.Equal(11, new CardDirectory(_store, capacity: 1).Find(Number(1))!.Balance.Balance);
    }

    private static string Number(int i) => "7800" + i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    private static CardSnapshot Snapshot(int i, long balance) =>
        new() { CardNumber = Number(i), AccountId = "acc-" + i, State = CardState.Active, Balance = new BalanceInfo { Balance = balance } };
}
