using PosAgent.Agent.Internal.Storage;
using PosAgent.Devices.Printing;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Storage;

/// <summary>
/// Every SQLite file the agent opens runs with the journal mode and synchronous level
/// docs/operations.md (Durability) states, read back from SQLite itself (a requested WAL mode that
/// a filesystem refuses would come back as "delete").
/// </summary>
public sealed class StorageSettingsTests : IDisposable
{
    private const long Normal = 1;
    private const long Full = 2;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AgentDatabase_IsWalWithFullSync()
    {
        using var store = AgentStore.Open(_dir.File("agent.db"), TestClock.Create());

        Assert.Equal(("wal", Full), store.StorageSettings(openChecks: false));
    }

    [Fact]
    public void OpenChecksDatabase_IsWalWithNormalSync_ItHoldsNoAcknowledgedSale()
    {
        using var store = AgentStore.Open(_dir.File("agent.db"), TestClock.Create());

        Assert.Equal(("wal", Normal), store.StorageSettings(openChecks: true));
    }

    [Fact]
    public void PrintQueue_IsWalWithFullSync()
    {
        using var queue = new PrintQueue(_dir.File("print-queue.db"));

        Assert.Equal(("wal", Full), queue.StorageSettings());
    }
}
