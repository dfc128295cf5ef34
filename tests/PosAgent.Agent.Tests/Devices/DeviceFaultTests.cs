using FirmwareSim;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Devices;

/// <summary>
/// Device faults at the agent level, with the simulator's scanner and printer on real
/// pseudo-terminals: the agent reports them in status and on the event stream, checkout goes
/// on, and a receipt printed during a printer fault waits in the queue and prints once it clears.
/// </summary>
[Collection(DeviceTimingCollection.Name)]
public sealed class DeviceFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private readonly SimulatedLane _lane = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lane.DisposeAsync().AsTask();

    [Fact]
    public async Task PrinterPaperOutAndScannerUnplugged_ReportedCheckoutGoesOnReceiptPrintsWhenPaperLoaded()
    {
        var card = TestCards.Csm(211);
        await using var agent = await TestAgent.StartAsync(_lane.Directory, _lane.Configure);
        agent.Parts.Cards.Put(TestCards.CsmSnapshot(card, 500, DateTimeOffset.UtcNow));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var events = new EventRecorder(agent.Client, cts.Token);
        await WaitForDeviceAsync(agent, events, "printer", DeviceState.Connected);
        await WaitForDeviceAsync(agent, events, "scanner", DeviceState.Connected);

        _lane.Printer.SetPaperOut(true);
        _lane.Scanner.Unplug();

        var paperOut = await events.WaitAsync(e => e.DeviceStatus is { Name: "printer", State: DeviceState.NotReady } s && s.Detail.Contains("paper", StringComparison.OrdinalIgnoreCase), EventTimeout);
        var unplugged = await events.WaitAsync(e => e.DeviceStatus is { Name: "scanner", State: DeviceState.Disconnected }, EventTimeout);
        Assert.Contains("paper", paperOut.DeviceStatus.Detail, StringComparison.OrdinalIgnoreCase);
        var status = await agent.Client.GetStatusAsync().WithTimeout();
        Assert.Contains(status.Devices, d => d.Name == "printer" && d.State == DeviceState.NotReady);
        Assert.Contains(status.Devices, d => d.Name == "scanner" && d.State == DeviceState.Disconnected);

        // Checkout goes on: the card typed in, the sale committed, its receipt queued.
        var check = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await agent.Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 100_000, Quantity = 1 }).WithTimeout();
        await agent.Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
        var sale = await agent.Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 100_000 }, PrintReceipt = true }).WithTimeout();
        Assert.NotEmpty(sale.PrintJobId);
        Assert.Empty(_lane.Printer.Receipts);
        Assert.Equal(1, (await agent.Client.GetStatusAsync().WithTimeout()).Outbox.Pending);

        var printed = _lane.Printer.WaitForReceiptAsync(1, cts.Token);
        _lane.Printer.SetPaperOut(false);

        var receipt = await printed.WithTimeout(EventTimeout);
        var completed = await events.WaitAsync(e => e.PrintJobCompleted is not null, EventTimeout);
        Assert.Equal(sale.PrintJobId, completed.PrintJobCompleted.JobId);
        Assert.Equal(sale.OperationId, completed.PrintJobCompleted.OperationId);
        Assert.Contains("****" + card[^4..], receipt.Text, StringComparison.Ordinal);
        await events.WaitAsync(e => e.DeviceStatus is { Name: "printer", State: DeviceState.Connected }, EventTimeout);

        _lane.Scanner.Replug();

        await events.WaitAsync(e => e.DeviceStatus is { Name: "scanner", State: DeviceState.Connected }, EventTimeout);
        var next = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await agent.Client.AddLineAsync(new AddLineRequest { CheckId = next.CheckId, Name = "X-ray", Category = "medical", UnitPriceMinor = 30_000, Quantity = 1 }).WithTimeout();
        var scanned = events.WaitAsync(e => e.Scan is { IsCard: true } s && s.AttachedToCheckId == next.CheckId, EventTimeout);
        // The scanner may need a moment after the reconnect event to read: scan until attached.
        while (!scanned.IsCompleted)
        {
            await _lane.Scanner.ScanAsync(card).WithTimeout();
            await Task.WhenAny(scanned, events.NextAsync(TimeSpan.FromSeconds(1)));
        }

        Assert.Equal(card, (await scanned).Scan.Data);
    }

    /// <summary>Until the agent's status shows the device in that state (re-checked on each event; the state may predate the stream).</summary>
    private static async Task WaitForDeviceAsync(TestAgent agent, EventRecorder events, string name, DeviceState state)
    {
        var deadline = DateTime.UtcNow + EventTimeout;
        while (!(await agent.Client.GetStatusAsync().WithTimeout()).Devices.Any(d => d.Name == name && d.State == state))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} never became {state}");
            await events.NextAsync(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Every event of the agent's stream since the test subscribed, with waits on a predicate.</summary>
    private sealed class EventRecorder : IAsyncDisposable
    {
        private readonly List<AgentEvent> _events = [];
        private readonly Task _reader;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EventRecorder(LocalApiClient client, CancellationToken cancellationToken)
        {
            _reader = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in client.WatchEventsAsync(new WatchEventsRequest(), cancellationToken))
                    {
                        TaskCompletionSource changed;
                        lock (_events)
                        {
                            _events.Add(e);
                            changed = _changed;
                            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                        }

                        changed.TrySetResult();
                    }
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    // The test is over.
                }
            }, CancellationToken.None);
        }

        public async Task NextAsync(TimeSpan timeout)
        {
            Task changed;
            lock (_events)
            {
                changed = _changed.Task;
            }

            await Task.WhenAny(changed, Task.Delay(timeout));
        }

        public async Task<AgentEvent> WaitAsync(Func<AgentEvent, bool> match, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                Task changed;
                lock (_events)
                {
                    if (_events.FirstOrDefault(match) is { } found)
                    {
                        return found;
                    }

                    changed = _changed.Task;
                }

                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, "the expected event did not arrive in time");
                await Task.WhenAny(changed, Task.Delay(left));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }
}
