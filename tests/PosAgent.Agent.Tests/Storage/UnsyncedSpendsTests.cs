using Google.Protobuf.WellKnownTypes;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Storage;

/// <summary>The agent store's record of its points-paying sales the central service has not answered (issue #17).</summary>
public sealed class UnsyncedSpendsTests : IDisposable
{
    private const string Card = "2602000017010";
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private AgentStore CreateSut() => AgentStore.Open(_dir.File("agent.db"), _time);

    private OutboxOperation Sale(long pointsSpent, string card = Card)
    {
        var id = Guid.CreateVersion7().ToString();
        var tx = new TerminalTransaction
        {
            TransactionId = id,
            BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            CardNumber = card,
            Sale = new Sale { Lines = { new SaleLine { LineId = "1", Category = "lab", UnitPriceMinor = 100_000, Quantity = 1 } } },
        };
        return new OutboxOperation(id, "sale", card, _time.GetUtcNow(), tx, false, 10, pointsSpent);
    }

    [Fact]
    public void Commit_PointsPayingSales_CountedPerCardAndAfterReopen()
    {
        var first = Sale(100);
        var second = Sale(250);
        using (var store = CreateSut())
        {
            store.Commit(first, null, 0);
            store.Commit(Sale(0), null, 0);
            store.Commit(second, null, 0);
            store.Commit(Sale(70, card: "2602000017027"), null, 0);
        }

        using var reopened = CreateSut();
        var spends = reopened.UnsyncedSpendsOf(Card);

        Assert.Equal([first.OperationId, second.OperationId], spends.Select(s => s.OperationId));
        Assert.Equal([100L, 250L], spends.Select(s => s.Points));
        Assert.Equal(_time.GetUtcNow(), spends[0].At);
    }

    [Fact]
    public void RecordOutcomes_AppliedOrParked_NoLongerCountedVersionMoves()
    {
        using var store = CreateSut();
        var applied = Sale(100);
        var parked = Sale(200);
        var waiting = Sale(300);
        store.Commit(applied, null, 0);
        store.Commit(parked, null, 0);
        store.Commit(waiting, null, 0);
        var version = store.UnsyncedVersion;

        store.RecordOutcomes([
            new SyncOutcome(applied.OperationId, OutboxState.Synced, [], null, 0),
            new SyncOutcome(parked.OperationId, OutboxState.Parked, [], "refused", 0),
        ]);

        Assert.Equal([waiting.OperationId], store.UnsyncedSpendsOf(Card).Select(s => s.OperationId));
        Assert.NotEqual(version, store.UnsyncedVersion);
    }
}
