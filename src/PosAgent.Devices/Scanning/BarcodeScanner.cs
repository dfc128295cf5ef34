using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Devices.Internal;
using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Scanning;

/// <summary>
/// A serial barcode scanner driver: reads frames on its own thread, reports scans, card scans and
/// errors as <see cref="EventRaised"/>, and reconnects after unplug. Handlers run on the device
/// thread and should return quickly.
/// </summary>
public sealed class BarcodeScanner : IDisposable
{
    private readonly ScannerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DeviceSession _session;
    private readonly ScanFrameParser _parser;
    private readonly BarcodeInterpreter _interpreter;
    private readonly DuplicateFilter _duplicates;
    private readonly TimeSpan _partialTimeout;

    /// <summary>Creates a stopped driver; throws <see cref="ArgumentException"/> listing every configuration problem.</summary>
    public BarcodeScanner(ScannerOptions options, TimeProvider? time = null, ILogger<BarcodeScanner>? logger = null)
        : this(options, null, time, logger)
    {
    }

    internal BarcodeScanner(ScannerOptions options, IDeviceTransport? transport, TimeProvider? time, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        var link = transport ?? DeviceTransports.Create(options.Transport, options.Name);
        _partialTimeout = options.PartialFrameTimeout + (link.ByteTime * 10);
        _parser = new ScanFrameParser(options.Suffix, options.Prefix, options.MaxLength);
        _interpreter = new BarcodeInterpreter([.. options.CardFormats]);
        _duplicates = new DuplicateFilter(options.DuplicateWindow, _time);
        _session = new DeviceSession(options.Name, link, options.Reconnect, _time, Raise, _logger);
    }

    /// <summary>Scans, scan errors and connection changes.</summary>
    public event EventHandler<DeviceEvent>? EventRaised;

    /// <summary>The configured name.</summary>
    public string Name => _options.Name;

    /// <summary>True while the device is open.</summary>
    public bool IsConnected => _session.IsConnected;

    /// <summary>Starts reading; a missing device is reported as an event and retried, never thrown.</summary>
    public void Start() => _session.Start(ReadLoop, OnDisconnected);

    /// <summary>Stops reading and closes the device.</summary>
    public void Stop() => _session.Stop();

    public void Dispose() => _session.Dispose();

    private void ReadLoop(IDeviceTransport transport, CancellationToken ct)
    {
        var buffer = new byte[512];
        var frames = new List<ScanFrame>();
        var idle = TimeSpan.FromSeconds(1);
        while (true)
        {
            var n = transport.Read(buffer, _parser.HasPending ? _partialTimeout : idle, ct);
            if (n == 0)
            {
                _parser.Flush(frames);
            }
            else
            {
                _parser.Feed(buffer.AsSpan(0, n), frames);
            }

            foreach (var frame in frames)
            {
                Handle(frame);
            }

            frames.Clear();
        }
    }

    private void OnDisconnected()
    {
        var frames = new List<ScanFrame>();
        _parser.Flush(frames);
        foreach (var frame in frames)
        {
            Handle(frame);
        }
    }

    private void Handle(ScanFrame frame)
    {
        if (!frame.IsGood)
        {
            RaiseError(frame.Error, frame.Detail ?? string.Empty);
            return;
        }

        var scan = _interpreter.Decode(frame.Text!);
        if (scan.Error is { } error)
        {
            RaiseError(error, scan.Detail ?? string.Empty);
            return;
        }

        if (_duplicates.ShouldReport(scan.Symbology, scan.Data))
        {
            Raise(new ScanEvent(_options.Name, _time.GetUtcNow(), scan.Symbology, scan.Data, scan.Kind, scan.CardFormat));
        }
    }

    private void RaiseError(ScanErrorReason reason, string detail)
    {
        DeviceLog.ScanRejected(_logger, _options.Name, reason.ToString(), detail);
        Raise(new ScanErrorEvent(_options.Name, _time.GetUtcNow(), reason, detail));
    }

    private void Raise(DeviceEvent e)
    {
        try
        {
            EventRaised?.Invoke(this, e);
        }
        catch (Exception ex)
        {
            // A faulty subscriber must not stop the scanner.
            DeviceLog.HandlerFailed(_logger, ex, _options.Name);
        }
    }
}
