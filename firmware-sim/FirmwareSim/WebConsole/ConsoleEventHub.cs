using System.Threading.Channels;
using FirmwareSim.Control;
using Google.Protobuf;

namespace FirmwareSim.WebConsole;

/// <summary>One server-sent event: its name and its JSON data.</summary>
internal sealed record ConsoleEvent(string Name, string Data);

/// <summary>
/// Fans the lane's events out to every open page: the devices' state whenever it changes (on a
/// printer event, after an action, or found by a once-a-second look for changes made through the
/// prompt or the gRPC API), each receipt as it is cut, and the steps of a running scenario.
/// </summary>
internal sealed class ConsoleEventHub : IAsyncDisposable
{
    // A page that stops reading loses its oldest events, never blocks the lane; it reloads on reconnect.
    private const int EventsPerPage = 512;
    private static readonly TimeSpan LookInterval = TimeSpan.FromSeconds(1);

    private readonly ControlService _control;
    private readonly SimulatedPrinter? _printer;
    private readonly Lock _gate = new();
    private readonly List<Channel<ConsoleEvent>> _pages = [];
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watcher;
    private string _lastState = string.Empty;

    public ConsoleEventHub(ControlService control, SimulatedPrinter? printer)
    {
        _control = control;
        _printer = printer;
        if (printer is not null)
        {
            printer.StatusChanged += OnStatusChanged;
            printer.ReceiptCompleted += OnReceiptCompleted;
        }

        _watcher = Task.Run(WatchStateAsync);
    }

    /// <summary>The state as the page reads it.</summary>
    public string StateJson() => JsonFormatter.Default.Format(_control.State());

    /// <summary>A new page's event queue; dispose it when the page goes.</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<ConsoleEvent>(new BoundedChannelOptions(EventsPerPage) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _pages.Add(channel);
            }
        }

        return new Subscription(this, channel);
    }

    public void Publish(string name, string json)
    {
        var e = new ConsoleEvent(name, json);
        lock (_gate)
        {
            foreach (var page in _pages)
            {
                page.Writer.TryWrite(e);
            }
        }
    }

    /// <summary>Asks for a look at the state now rather than at the next interval.</summary>
    public void StateMayHaveChanged()
    {
        try
        {
            if (_nudge.CurrentCount == 0)
            {
                _nudge.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another caller nudged at the same moment: one look serves both.
        }
    }

    private void OnStatusChanged(object? sender, PrinterStatus status) => StateMayHaveChanged();

    private void OnReceiptCompleted(object? sender, Receipt receipt)
    {
        Publish("receipt", JsonFormatter.Default.Format(ControlService.Info(receipt, includeHtml: false)));
        StateMayHaveChanged();
    }

    private async Task WatchStateAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _nudge.WaitAsync(LookInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            bool watched;
            lock (_gate)
            {
                watched = _pages.Count > 0;
            }

            if (!watched)
            {
                // Nobody to tell; a page that opens gets the state when it subscribes.
                _lastState = string.Empty;
                continue;
            }

            var state = StateJson();
            if (state != _lastState)
            {
                _lastState = state;
                Publish("state", state);
            }
        }
    }

    /// <summary>Ends every page's stream (so the server can stop) and the state watcher.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_printer is not null)
        {
            _printer.StatusChanged -= OnStatusChanged;
            _printer.ReceiptCompleted -= OnReceiptCompleted;
        }

        lock (_gate)
        {
            _stop.Cancel();
            foreach (var page in _pages)
            {
                page.Writer.TryComplete();
            }

            _pages.Clear();
        }

        await _watcher.ConfigureAwait(false);
        _stop.Dispose();
        _nudge.Dispose();
    }

    /// <summary>One page's queue of events.</summary>
    internal sealed class Subscription(ConsoleEventHub hub, Channel<ConsoleEvent> channel) : IDisposable
    {
        public ChannelReader<ConsoleEvent> Events => channel.Reader;

        public void Dispose()
        {
            lock (hub._gate)
            {
                hub._pages.Remove(channel);
            }

            channel.Writer.TryComplete();
        }
    }
}
