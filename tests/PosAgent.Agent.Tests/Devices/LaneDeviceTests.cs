using FirmwareSim;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Devices;

/// <summary>The agent with the simulator's scanner and printer on real pseudo-terminals.</summary>
[Collection(DeviceTimingCollection.Name)]
public sealed class LaneDeviceTests : IAsyncLifetime
{
    private readonly SimulatedLane _lane = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lane.DisposeAsync().AsTask();

    [Theory]
    [InlineData("auto")]
    [InlineData("serialport")]
    public async Task ScannedCard_AttachesToOpenCheckAndReceiptPrintsOnThePrinter(string serialDriver)
    {
        var card = TestCards.Csm(201);
        await using var agent = await TestAgent.StartAsync(_lane.Directory, options =>
        {
            _lane.Configure(options);
            options.Devices.SerialDriver = serialDriver;
        });
        agent.Parts.Cards.Put(TestCards.CsmSnapshot(card, 500, DateTimeOffset.UtcNow));
        var printed = new TaskCompletionSource<FirmwareSim.Receipt>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lane.Printer.ReceiptCompleted += (_, r) => printed.TrySetResult(r);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = agent.Client.WatchEventsAsync(new WatchEventsRequest(), cts.Token).GetAsyncEnumerator(cts.Token);
        var check = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await agent.Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 100_000, Quantity = 1 }).WithTimeout();

        // Scan until the agent reports the card attached (the first scans may precede the stream or the connection).
        ScanEvent? scan = null;
        var next = events.MoveNextAsync().AsTask();
        await _lane.Scanner.ScanAsync(card).WithTimeout();
        while (scan is null)
        {
            var done = await Task.WhenAny(next, Task.Delay(1000, cts.Token));
            if (done != next)
            {
                await _lane.Scanner.ScanAsync(card).WithTimeout();
                continue;
            }

            Assert.True(await next);
            if (events.Current.Scan is { IsCard: true } s && s.AttachedToCheckId == check.CheckId)
            {
                scan = s;
            }

            next = events.MoveNextAsync().AsTask();
        }

        Assert.Equal(card, scan.Data);
        Assert.Equal("****" + card[^4..], (await agent.Client.GetCheckAsync(new GetCheckRequest { CheckId = check.CheckId }).WithTimeout()).Card.MaskedNumber);

        var sale = await agent.Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 90_000, Points = 100 }, PrintReceipt = true }).WithTimeout();
        var receipt = await printed.Task.WithTimeout(TimeSpan.FromSeconds(60));

        Assert.Contains("****" + card[^4..], receipt.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(card, receipt.Text, StringComparison.Ordinal);
        Assert.Contains("(ожидает)", receipt.Text, StringComparison.Ordinal); // a RUB program prints in Russian
        while (true)
        {
            Assert.True(await next.WithTimeout(TimeSpan.FromSeconds(30)));
            if (events.Current.PrintJobCompleted is { } job)
            {
                Assert.Equal(sale.PrintJobId, job.JobId);
                Assert.Equal(sale.OperationId, job.OperationId);
                break;
            }

            next = events.MoveNextAsync().AsTask();
        }

        var status = await agent.Client.GetStatusAsync().WithTimeout();
        Assert.Contains(status.Devices, d => d.Name == "scanner" && d.State == DeviceState.Connected);
        await cts.CancelAsync();
    }
}
