using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using PosAgent.Agent.Internal.Api;
using PosAgent.Agent.Internal.Checks;
using PosAgent.Agent.Internal.Estimation;
using PosAgent.Agent.Internal.Receipts;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Devices;
using PosAgent.Devices.Printing;
using PosAgent.Devices.Scanning;
using PosAgent.Devices.Transports;

namespace PosAgent.Agent.Internal.Devices;

/// <summary>
/// Connects the lane's scanner and printer drivers to the checkout and the event feed: a scanned
/// loyalty card attaches to the open check; device states and completed print jobs become events.
/// A device missing at start is a status, not a failure: the drivers reconnect by themselves.
/// </summary>
internal sealed class DeviceWiring : IDisposable
{
    private readonly DeviceOptions _options;
    private readonly CheckService _checks;
    private readonly EventHub _events;
    private readonly DeviceBoard _board;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private BarcodeScanner? _scanner;
    private DevicePrinter? _printer;

    public DeviceWiring(DeviceOptions options, CheckService checks, EventHub events, DeviceBoard board, ILogger logger, CancellationToken stopping)
    {
        _options = options;
        _checks = checks;
        _events = events;
        _board = board;
        _logger = logger;
        _stopping = stopping;
    }

    /// <summary>The receipt printer for the lane: the device when configured, else text files.</summary>
    /// <summary>Receipts queued for the printer and not yet printed; null without a printer device.</summary>
    public int? PrintQueueDepth => _printer?.Driver.Queue.PendingCount;

    public IReceiptPrinter CreatePrinter(string dataDirectory, TimeProvider time, ILoggerFactory loggerFactory, bool groupReadable = false)
    {
        if (_options.PrinterPath is not { } path)
        {
            _board.Set(new DeviceStatus { Name = "printer", Kind = DeviceKind.Printer, State = DeviceState.NotConfigured, Detail = "receipts are written to the receipts folder" });
            return new FileReceiptPrinter(Path.Combine(dataDirectory, "receipts"), _options.ReceiptWidth);
        }

        var profile = PrinterProfile.Known[_options.PrinterProfile];
        var printerOptions = new PrinterOptions
        {
            Name = "printer",
            Transport = Transport(path, _options.PrinterBaud, _options.SerialDriver),
            Profile = profile,
            QueuePath = Path.Combine(dataDirectory, "print-queue.db"),
            QueueFileMode = groupReadable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        var driver = new ReceiptPrinter(printerOptions, time, loggerFactory.CreateLogger<ReceiptPrinter>());
        _printer = new DevicePrinter(driver, profile);
        _board.Set(new DeviceStatus { Name = "printer", Kind = DeviceKind.Printer, State = DeviceState.Disconnected, Path = path });
        driver.EventRaised += (_, e) => OnDeviceEvent(e, DeviceKind.Printer);
        return _printer;
    }

    public void StartScanner(IEstimator estimator, TimeProvider time, ILoggerFactory loggerFactory)
    {
        if (_options.ScannerPath is not { } path)
        {
            _board.Set(new DeviceStatus { Name = "scanner", Kind = DeviceKind.Scanner, State = DeviceState.NotConfigured });
            return;
        }

        var scannerOptions = new ScannerOptions { Name = "scanner", Transport = Transport(path, _options.ScannerBaud, _options.SerialDriver) };
        foreach (var program in estimator.CardFormats())
        {
            scannerOptions.CardFormats.Add(program);
        }

        _scanner = new BarcodeScanner(scannerOptions, time, loggerFactory.CreateLogger<BarcodeScanner>());
        _board.Set(new DeviceStatus { Name = "scanner", Kind = DeviceKind.Scanner, State = DeviceState.Disconnected, Path = path });
        _scanner.EventRaised += (_, e) => OnDeviceEvent(e, DeviceKind.Scanner);
        _scanner.Start();
    }

    public void StartPrinter() => _printer?.Driver.Start();

    public void Dispose()
    {
        _scanner?.Dispose();
        _printer?.Driver.Dispose();
    }

    private static TransportOptions Transport(string path, int baud, string serialDriver)
    {
        if (path.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            return new TransportOptions { Kind = TransportKind.Tcp, Path = path["tcp://".Length..] };
        }

        return path.StartsWith("/dev/usb/lp", StringComparison.Ordinal)
            ? new TransportOptions { Kind = TransportKind.UsbPrinter, Path = path }
            : new TransportOptions { Kind = TransportKind.Serial, Path = path, Baud = baud, SerialDriver = System.Enum.Parse<SerialDriver>(serialDriver, ignoreCase: true) };
    }

    private void OnDeviceEvent(DeviceEvent deviceEvent, DeviceKind kind)
    {
        switch (deviceEvent)
        {
            case PosAgent.Devices.ScanEvent scan:
                _ = OnScanAsync(scan);
                break;
            case ScanErrorEvent error:
                _events.Publish(new AgentEvent { Scan = new Contracts.PosAgent.V1.ScanEvent { Device = error.Device, Error = $"{error.Reason}: {error.Detail}" } });
                break;
            case DeviceConnectionEvent connection:
                var state = connection.State == DeviceConnectionState.Connected ? DeviceState.Connected : connection.State == DeviceConnectionState.Failed ? DeviceState.Error : DeviceState.Disconnected;
                Report(connection.Device, kind, state, connection.Error ?? string.Empty, connection.Path, connection.Time);
                break;
            case PrinterStatusEvent status:
                Report(status.Device, kind, status.Status.IsReady ? DeviceState.Connected : DeviceState.NotReady, status.Status.ToString(), _options.PrinterPath ?? string.Empty, status.Time);
                break;
            case PrintJobEvent { State: PrintJobState.Completed } job:
                _events.Publish(new AgentEvent
                {
                    PrintJobCompleted = new PrintJobCompletedEvent { JobId = job.JobId, OperationId = _printer?.OperationOf(job.JobId) ?? string.Empty, Copy = job.Copy, Printer = job.Device },
                });
                break;
        }
    }

    private void Report(string device, DeviceKind kind, DeviceState state, string detail, string path, DateTimeOffset time)
    {
        var status = new DeviceStatus { Name = device, Kind = kind, State = state, Detail = detail, Path = path, Since = Timestamp.FromDateTimeOffset(time) };
        _board.Set(status);
        AgentLog.DeviceState(_logger, device, state.ToString(), detail);
        _events.Publish(new AgentEvent { DeviceStatus = status });
    }

    private async Task OnScanAsync(PosAgent.Devices.ScanEvent scan)
    {
        var published = new Contracts.PosAgent.V1.ScanEvent
        {
            Device = scan.Device,
            Symbology = scan.Symbology.ToString(),
            Data = scan.Data,
            IsCard = scan.Kind == ScanKind.LoyaltyCard,
        };
        if (published.IsCard && _checks.CurrentCheckId is { } checkId)
        {
            try
            {
                await _checks.AttachCardAsync(new AttachCardRequest { CheckId = checkId, CardNumber = scan.Data }, "scanner", _stopping).ConfigureAwait(false);
                published.AttachedToCheckId = checkId;
            }
            catch (ApiError error)
            {
                published.Error = error.Message;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        _events.Publish(new AgentEvent { Scan = published });
    }

    /// <summary>The ESC/POS printer behind <see cref="IReceiptPrinter"/>: jobs go to its durable queue.</summary>
    private sealed class DevicePrinter(ReceiptPrinter driver, PrinterProfile profile) : IReceiptPrinter
    {
        private readonly ConcurrentDictionary<string, string> _operations = new(StringComparer.Ordinal);

        public ReceiptPrinter Driver => driver;

        public string Name => driver.Name;

        public int Width => profile.CharsPerLine;

        public string? OperationOf(string jobId) => _operations.TryGetValue(jobId, out var op) ? op : null;

        public Task<bool> PrintAsync(string jobId, string operationId, ReceiptLayout layout, bool copy, CancellationToken cancellationToken)
        {
            var builder = new ReceiptBuilder(profile);
            foreach (var row in layout.Rows)
            {
                Add(builder, row);
            }

            _operations[jobId] = operationId;
            driver.Print(builder.Cut().Build(), jobId);
            return Task.FromResult(false);
        }

        private static void Add(ReceiptBuilder builder, ReceiptRow row)
        {
            switch (row)
            {
                case TextRow text:
                    builder.Align(text.Alignment).Bold(text.Bold).DoubleSize(text.Large).Line(text.Text);
                    builder.DoubleSize(false).Bold(false).Align(ReceiptAlignment.Left);
                    break;
                case PairRow pair:
                    builder.Bold(pair.Bold);
                    if (!builder.NeedsRaster(pair.Label + pair.Value) && pair.Label.Length + 1 + pair.Value.Length > builder.Width)
                    {
                        // As in the text receipt: the label on its own line(s), the value whole below it.
                        builder.Line(pair.Label);
                        builder.Columns(string.Empty, pair.Value);
                    }
                    else
                    {
                        builder.Columns(pair.Label, pair.Value);
                    }

                    builder.Bold(false);
                    break;
                case RuleRow:
                    builder.Rule();
                    break;
            }
        }
    }
}
