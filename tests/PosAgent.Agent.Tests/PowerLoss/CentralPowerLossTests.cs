using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;
using PosAgent.TestSupport.PowerLoss;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>
/// The central service (its own process) on SQLite with its state folder on the power-cut
/// filesystem, ingesting the batches of a real agent. The agent's outbox (on an ordinary disk)
/// records which operations the central service acknowledged; after each cut every one of them
/// must be in the central ledger.
/// </summary>
[Collection(PowerLossCollection.Name)]
public sealed class CentralPowerLossTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cuts = 20;
    private readonly TempDirectory _dir = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;
    private LazyFsMount _fs = null!;

    public async Task InitializeAsync() => _fs = await LazyFsMount.MountAsync();

    public async Task DisposeAsync()
    {
        await _fs.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task PowerLoss_CentralIngestingBatches_EveryAcknowledgedResultIsInTheLedgerAfterEachCut()
    {
        // The state folder does not exist yet: the service's first start creates it.
        var store = _fs.File("central/state/central.db");
        var token = await CentralProcess.TerminalTokenAsync(store, "lane-central");
        var card = TestCards.Csm(2702);
        await CentralProcess.CommandAsync(store, "card", "register", "--program", "CSM", "--name", "Power Cut", "--phone", "+79991234567", "--phone-confirmed", "--card", card);
        var url = $"http://127.0.0.1:{CentralFixture.FreePort()}";
        var agentData = _dir.File("agent");
        var agentDb = Path.Combine(agentData, "agent.db");
        var acknowledgedByAgent = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(27_0002);
        var central = await CentralProcess.StartAsync(store, url);
        try
        {
            await using var agent = await AgentProcess.StartAsync(agentData, "lane-central", url, token);
            var synced = 0;
            for (var cut = 1; cut <= Cuts; cut++)
            {
                // A few sales (and refunds) go to the service while the power goes: some batches
                // are acknowledged, others are in flight.
                var sales = PowerLossWorkload.SellAsync(agent.Client, card, refundEvery: 3, acknowledgedByAgent, CancellationToken.None, count: random.Next(2, 7));
                var target = synced + 1;
                await UntilAsync(() => (synced = SyncedIds(agentDb).Count) >= target, async () =>
                    $"cut {cut}: the agent's sync did not reach {target} operations; {acknowledgedByAgent.Count} sold; agent: {await agent.Client.GetStatusAsync()}");
                central.Kill();
                await _fs.CutPowerAsync();

                // Acknowledged means marked synced in the agent's outbox: the service answered.
                var acknowledged = SyncedIds(agentDb);
                var ledger = PowerLossWorkload.ReadIds(store, "SELECT transaction_id FROM ledger", cut);
                var missing = acknowledged.Where(id => !ledger.Contains(id)).ToList();
                Assert.True(missing.Count == 0, $"cut {cut}: {missing.Count} of {acknowledged.Count} acknowledged operations lost from the ledger: {string.Join(", ", missing)}");

                await sales.WithTimeout(TimeSpan.FromSeconds(60));
                await central.DisposeAsync();
                central = await CentralProcess.StartAsync(store, url);
            }

            var status = await Waits.UntilSyncedAsync(agent.Client, TimeSpan.FromSeconds(90));
            Assert.Equal(0, status.Outbox.Parked);
        }
        finally
        {
            await central.DisposeAsync();
        }

        var final = PowerLossWorkload.ReadIds(store, "SELECT transaction_id FROM ledger", Cuts + 1);
        Assert.Subset(final, acknowledgedByAgent.Keys.ToHashSet());
        _output.WriteLine($"{Cuts} cuts, {acknowledgedByAgent.Count} operations acknowledged by the agent, {final.Count} in the ledger, 0 lost; {await _fs.StatsAsync()}");
        Assert.True(acknowledgedByAgent.Count >= Cuts, $"only {acknowledgedByAgent.Count} operations in {Cuts} rounds");
    }

    /// <summary>The operations the central service acknowledged, as the agent recorded them (read-only, beside the running agent).</summary>
    private static HashSet<string> SyncedIds(string agentDb)
    {
        using var connection = new SqliteConnection($"Data Source={agentDb};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT op_id FROM outbox WHERE state = 1";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Bounded wait for a condition the agent's sync worker makes true.</summary>
    private static async Task UntilAsync(Func<bool> condition, Func<Task<string>> explain)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException("not within 60 s: " + await explain());
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }
}
