using FirmwareSim;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using Grpc.Core;
using PosAgent.TestSupport;
using PosAgent.TestSupport.PowerLoss;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>
/// The print queue across power cuts: the agent (its own process, data folder on the power-cut
/// filesystem) prints receipts on the simulator's printer (a real pseudo-terminal, 19200 baud so a
/// receipt takes a while) and the power goes at seeded moments, often mid-receipt. Every job the
/// agent acknowledged must come out whole after the restart, and no receipt may come out twice
/// without the COPY mark.
/// </summary>
[Collection(PowerLossCollection.Name)]
public sealed class PrintQueuePowerLossTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cuts = 20;
    private const string CopyMark = "*** COPY ***";
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;
    private SimulatedPrinter _printer = null!;
    private LazyFsMount _fs = null!;

    public async Task InitializeAsync()
    {
        _printer = SimulatedPrinter.Start(new PrinterOptions { LinkPath = _dir.File("printer"), Baud = 19200, CharsPerLine = 42 });
        _fs = await LazyFsMount.MountAsync();
    }

    public async Task DisposeAsync()
    {
        await _fs.DisposeAsync();
        await _printer.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task PowerLoss_PrintQueue_EveryAcknowledgedJobPrintedAfterTheCut_NoneTwiceUnmarked()
    {
        var data = _fs.File("agent");
        var devices = new { printerPath = _printer.LinkPath, printerBaud = 19200 };
        var acknowledged = new List<string>(); // check ids of sales whose receipt job was acknowledged
        var random = new Random(27_0004);
        for (var cut = 1; cut <= Cuts; cut++)
        {
            await using (var agent = await AgentProcess.StartAsync(data, "lane-print", central: null, token: null, controlDirectory: _dir.Path, devices: devices))
            {
                // The jobs of earlier rounds come out first (reprinted as copies if they were cut).
                await UntilPrintedAsync(acknowledged, cut);
                for (var jobs = random.Next(1, 4); jobs > 0; jobs--)
                {
                    acknowledged.Add(await SellWithReceiptAsync(agent.Client));
                }

                // The power goes a seeded moment later: before, during or after the last receipts.
                await Task.Delay(random.Next(0, 400));
                agent.Kill();
            }

            await _fs.CutPowerAsync();
        }

        await using (var survivor = await AgentProcess.StartAsync(data, "lane-print", central: null, token: null, controlDirectory: _dir.Path, devices: devices))
        {
            await UntilPrintedAsync(acknowledged, Cuts + 1);
        }

        var receipts = _printer.Receipts;
        foreach (var check in acknowledged)
        {
            var unmarked = receipts.Count(r => r.Text.Contains(check, StringComparison.Ordinal) && !r.Text.Contains(CopyMark, StringComparison.Ordinal));
            Assert.True(unmarked <= 1, $"the receipt of {check} came out {unmarked} times without the COPY mark");
        }

        _output.WriteLine($"{Cuts} cuts, {acknowledged.Count} receipts acknowledged, {receipts.Count} printed ({receipts.Count(r => r.Text.Contains(CopyMark, StringComparison.Ordinal))} marked COPY, {receipts.Count(r => r.Interrupted)} interrupted)");
        Assert.Contains(receipts, r => r.Text.Contains(CopyMark, StringComparison.Ordinal));
    }

    /// <summary>A cash sale whose receipt the agent queues before it answers; returns the check id the receipt shows.</summary>
    private static async Task<string> SellWithReceiptAsync(LocalApiClient client)
    {
        var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        check = await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
        var sale = await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor }, PrintReceipt = true }).WithTimeout();
        Assert.NotEmpty(sale.PrintJobId);
        return check.CheckId;
    }

    /// <summary>Waits (bounded) until each acknowledged job has come out whole at least once.</summary>
    private async Task UntilPrintedAsync(IEnumerable<string> checks, int cut)
    {
        foreach (var check in checks)
        {
            try
            {
                await _printer.WaitForReceiptAsync(r => !r.Interrupted && r.Text.Contains(check, StringComparison.Ordinal)).WithTimeout(PrintTimeout);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"after cut {cut - 1} the acknowledged receipt of {check} never came out whole");
            }
        }
    }
}
