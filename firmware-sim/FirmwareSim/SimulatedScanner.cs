using System.Text;
using FirmwareSim.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FirmwareSim;

/// <summary>The bytes a scan put on the line.</summary>
/// <param name="Frame">Everything sent: AIM id, prefix, data, suffix (garbled if the baud rates disagree).</param>
/// <param name="LastByteTimestamp">TimeProvider timestamp right after the last byte was written (for latency measurements).</param>
/// <param name="Garbled">True when the client's baud rate differed and garbage was sent instead.</param>
public sealed record ScanWritten(byte[] Frame, long LastByteTimestamp, bool Garbled);

/// <summary>
/// A serial barcode scanner on a pseudo-terminal: a client (the agent's driver, python-serial,
/// minicom) opens <see cref="LinkPath"/> and receives one frame per scan, paced at the baud rate.
/// </summary>
public sealed class SimulatedScanner : IAsyncDisposable
{
    private readonly ScannerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IScannerLine _port;
    private readonly LinePacer _pacer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private int _lastReportedBaud;
    private volatile bool _baudMismatch;

    private SimulatedScanner(ScannerOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _port = options.Interface == ScannerInterface.Serial
            ? new PtyPort(options.ResolvedLinkPath, options.Baud, options.Framing)
            : new FifoLine(options.ResolvedLinkPath);
        _pacer = new LinePacer(time, options.Baud, options.Framing, options.PaceLine);
        _lastReportedBaud = options.Baud;
    }

    /// <summary>The scanner's name.</summary>
    public string Name => _options.Name;

    /// <summary>
    /// True: the line behaves as if the client had set another baud (every frame arrives as garbage),
    /// whatever the client set; the wrong-baud fault without reconfiguring the client. Default false.
    /// </summary>
    public bool BaudMismatch
    {
        get => _baudMismatch;
        set => _baudMismatch = value;
    }

    /// <summary>The stable path to open (a symlink to the current /dev/pts/N).</summary>
    public string LinkPath => _port.LinkPath;

    /// <summary>The /dev/pts/N behind the link, or null while unplugged.</summary>
    public string? DevicePath => _port.SlavePath;

    /// <summary>False after <see cref="Unplug"/> until <see cref="Replug"/>.</summary>
    public bool IsPlugged => _port.IsPlugged;

    /// <summary>The settings it runs with.</summary>
    public ScannerOptions Options => _options;

    /// <summary>How many times slower than its baud rate the line runs (1 = normal).</summary>
    public double LineSlowdown
    {
        get => _pacer.Slowdown;
        set
        {
            _pacer.Slowdown = value;
            SimLog.LineState(_logger, Name, value > 1 ? $"slowed {value:0.##}x" : "normal speed");
        }
    }

    /// <summary>While true nothing moves on the line; scans wait.</summary>
    public bool LineStalled
    {
        get => _pacer.Stalled;
        set
        {
            _pacer.Stalled = value;
            SimLog.LineState(_logger, Name, value ? "stalled" : "resumed");
        }
    }

    /// <summary>Validates the options, creates the pseudo-terminal and its link.</summary>
    public static SimulatedScanner Start(ScannerOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var scanner = new SimulatedScanner(options, time ?? TimeProvider.System, (loggers ?? NullLoggerFactory.Instance).CreateLogger("FirmwareSim.Scanner"));
        scanner.Replug();
        return scanner;
    }

    /// <summary>The frame a scan of <paramref name="code"/> sends (before any garbling).</summary>
    public byte[] BuildFrame(string code, Symbology? symbology = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        var sb = new StringBuilder();
        if (_options.AimPrefix)
        {
            sb.Append((symbology ?? _options.DefaultSymbology).AimId());
        }

        sb.Append(_options.Prefix).Append(code);
        return [.. Encoding.UTF8.GetBytes(sb.ToString()), .. _options.SuffixBytes];
    }

    /// <summary>Scans <paramref name="code"/>: sends prefix, data and suffix at line speed.</summary>
    /// <exception cref="InvalidOperationException">The scanner is unplugged.</exception>
    public async Task<ScanWritten> ScanAsync(string code, Symbology? symbology = null, CancellationToken cancellationToken = default)
    {
        var frame = BuildFrame(code, symbology);
        var written = _options.Interface == ScannerInterface.HidPos
            ? await SendAsync(HidWire.PosReports(Encoding.UTF8.GetBytes(_options.Prefix + code), (symbology ?? _options.DefaultSymbology).AimId()), cancellationToken).ConfigureAwait(false)
            : await SendAsync(Wire(frame), cancellationToken).ConfigureAwait(false);
        SimLog.Scanned(_logger, Name, symbology ?? _options.DefaultSymbology, code, frame.Length);
        return written;
    }

    /// <summary>Sends only the first <paramref name="byteCount"/> bytes of a scan's frame (a scanner cut off mid-frame).</summary>
    public Task<ScanWritten> SendPartialAsync(string code, int byteCount, Symbology? symbology = null, CancellationToken cancellationToken = default)
    {
        var frame = BuildFrame(code, symbology);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(byteCount);
        SimLog.RawSent(_logger, Name, Math.Min(byteCount, frame.Length), "partial frame");
        return SendAsync(Wire(frame.AsMemory(0, Math.Min(byteCount, frame.Length - 1)).ToArray()), cancellationToken);
    }

    /// <summary>Sends arbitrary bytes (garbage, a hand-made frame) at line speed; for a HID scanner, raw records or reports as they are.</summary>
    public Task<ScanWritten> SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        SimLog.RawSent(_logger, Name, bytes.Length, "raw");
        return SendAsync(bytes.ToArray(), cancellationToken);
    }

    /// <summary>The device path disappears; a client holding it open gets an error (EIO / hang-up).</summary>
    public void Unplug()
    {
        _port.Unplug();
        SimLog.Unplugged(_logger, Name, LinkPath);
    }

    /// <summary>A new pseudo-terminal appears behind the same link path.</summary>
    public void Replug()
    {
        _port.Plug();
        SimLog.Plugged(_logger, Name, LinkPath, _port.SlavePath ?? "?");
    }

    private async Task<ScanWritten> SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_port.IsPlugged)
            {
                throw new InvalidOperationException($"Scanner '{Name}' is unplugged: replug it before scanning.");
            }

            if (_options.Interface != ScannerInterface.Serial)
            {
                // USB: no line to pace, no baud to get wrong.
                if (!_port.Write(frame, cancellationToken))
                {
                    throw new InvalidOperationException($"Scanner '{Name}' was unplugged while sending.");
                }

                return new ScanWritten(frame, _time.GetTimestamp(), false);
            }

            var garbled = CheckBaud();
            var bytes = garbled ? LineGarbler.Garble(frame) : frame;
            var chunk = _pacer.BytesPer(TimeSpan.FromMilliseconds(2));
            for (var i = 0; i < bytes.Length; i += chunk)
            {
                var n = Math.Min(chunk, bytes.Length - i);
                await _pacer.PaceAsync(n, cancellationToken).ConfigureAwait(false);
                if (!_port.Write(bytes.AsSpan(i, n), cancellationToken))
                {
                    throw new InvalidOperationException($"Scanner '{Name}' was unplugged while sending.");
                }
            }

            return new ScanWritten(bytes, _time.GetTimestamp(), garbled);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>A serial frame as it goes on this scanner's interface (keystrokes for a keyboard wedge).</summary>
    private byte[] Wire(byte[] frame) =>
        _options.Interface == ScannerInterface.HidKeyboard ? HidWire.Keystrokes(frame, _time.GetUtcNow()) : frame;

    private bool CheckBaud()
    {
        if (!_options.GarbleOnBaudMismatch)
        {
            return false;
        }

        if (_baudMismatch)
        {
            return true;
        }

        var client = _port.ClientBaud();
        if (client == 0)
        {
            return false;
        }

        if (client != _lastReportedBaud)
        {
            if (client == _options.Baud)
            {
                SimLog.BaudMatched(_logger, Name, client);
            }
            else
            {
                SimLog.BaudMismatch(_logger, Name, client, _options.Baud);
            }

            _lastReportedBaud = client;
        }

        return client != _options.Baud;
    }

    /// <summary>Unplugs and removes the link.</summary>
    public ValueTask DisposeAsync()
    {
        _port.Dispose();
        _writeGate.Dispose();
        return ValueTask.CompletedTask;
    }
}
