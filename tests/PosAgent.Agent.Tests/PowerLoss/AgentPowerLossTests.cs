using System.Collections.Concurrent;
using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;
using PosAgent.TestSupport.PowerLoss;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>
/// The agent (its own process) with its data folder on the power-cut filesystem: sales and
/// refunds acknowledged through the local API, then SIGKILL (the power stops the process) and a
/// cut that drops everything not fsync'ed. The acknowledgements are kept by the test, outside the
/// filesystem. After each cut every acknowledged operation must be in the outbox, and at the end
/// each must reach the central service exactly once.
/// </summary>
[Collection(PowerLossCollection.Name)]
public sealed class AgentPowerLossTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cuts = 20;
    private readonly TempDirectory _dir = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;
    private CentralFixture _central = null!;
    private LazyFsMount _fs = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        _fs = await LazyFsMount.MountAsync();
    }

    public async Task DisposeAsync()
    {
        await _fs.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task PowerLoss_AgentSalesAndRefunds_EveryAcknowledgedOperationSurvivesEachCut_AndReachesCentralOnce()
    {
        var card = TestCards.Csm(2701);
        await _central.RegisterAsync(card);
        var token = await _central.TokenAsync("lane-power");
        var data = _fs.File("agent");
        var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(27_2026);
        for (var cut = 1; cut <= Cuts; cut++)
        {
            var agent = await AgentProcess.StartAsync(data, "lane-power", _central.Address, token, controlDirectory: _dir.Path);
            try
            {
                var target = acknowledged.Count + random.Next(1, 6);
                var refundEvery = random.Next(2, 4);
                using var stop = new CancellationTokenSource();
                var loop = Task.Run(() => PowerLossWorkload.SellAsync(agent.Client, card, refundEvery, acknowledged, stop.Token));
                while (acknowledged.Count < target && !loop.IsCompleted)
                {
                    await Task.WhenAny(loop, Task.Delay(random.Next(1, 20)));
                }

                Assert.False(loop.IsFaulted, loop.Exception?.ToString());
                agent.Kill(); // the power stops the process first, most likely in the middle of a commit
                await loop.WithTimeout();
            }
            finally
            {
                await agent.DisposeAsync();
            }

            await _fs.CutPowerAsync();

            var outbox = PowerLossWorkload.ReadIds(Path.Combine(data, "agent.db"), "SELECT op_id FROM outbox", cut);
            var missing = acknowledged.Keys.Where(id => !outbox.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"cut {cut}: {missing.Count} of {acknowledged.Count} acknowledged operations lost: {string.Join(", ", missing.Select(m => acknowledged[m] + " " + m))}");
        }

        await using (var survivor = await AgentProcess.StartAsync(data, "lane-power", _central.Address, token, controlDirectory: _dir.Path))
        {
            var status = await Waits.UntilSyncedAsync(survivor.Client, TimeSpan.FromSeconds(90));
            Assert.Equal(0, status.Outbox.Parked);
        }

        var entries = await _central.EntriesAsync(acknowledged.Keys.ToList());
        Assert.Equal(acknowledged.Count, entries.Count);
        Assert.Contains("refund", acknowledged.Values);
        _output.WriteLine($"{Cuts} cuts, {acknowledged.Count} operations acknowledged ({acknowledged.Values.Count(v => v == "refund")} refunds), 0 lost; {await _fs.StatsAsync()}");
        Assert.True(acknowledged.Count >= Cuts, $"only {acknowledged.Count} operations acknowledged in {Cuts} rounds");
    }

    /// <summary>
    /// First start on a data folder that does not exist yet: the agent creates it (and its parent),
    /// a sale is acknowledged, the power goes. The folder names must have been made durable, or
    /// the whole database vanishes with them.
    /// </summary>
    [Fact]
    public async Task PowerLoss_AgentFirstStart_NewDataFolderAndSaleSurvive()
    {
        for (var cut = 1; cut <= 3; cut++)
        {
            var data = _fs.File($"lane-{cut}/data");
            var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            await using (var agent = await AgentProcess.StartAsync(data, $"lane-first-{cut}", central: null, token: null, controlDirectory: _dir.Path))
            {
                await PowerLossWorkload.SellAsync(agent.Client, card: null, refundEvery: 0, acknowledged, CancellationToken.None, count: 1);
                agent.Kill();
            }

            await _fs.CutPowerAsync();

            Assert.True(File.Exists(Path.Combine(data, "agent.db")), $"cut {cut}: the new data folder or its database vanished");
            var outbox = PowerLossWorkload.ReadIds(Path.Combine(data, "agent.db"), "SELECT op_id FROM outbox", cut);
            Assert.Equal(acknowledged.Keys.Order(), outbox.Order());
        }
    }
}
