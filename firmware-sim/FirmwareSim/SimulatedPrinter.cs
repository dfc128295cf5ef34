using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FirmwareSim.Internal;
using FirmwareSim.Receipts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FirmwareSim;

/// <summary>
/// An ESC/POS receipt printer on a pseudo-terminal and/or a raw TCP port. It interprets what the
/// host sends, answers status requests from its (technician-controlled) sensors, and turns every
/// cut into a <see cref="Receipt"/> with text and HTML files.
/// </summary>
public sealed class SimulatedPrinter : IAsyncDisposable
{
    private const string PaperOutNotice = "paper ran out: printing stopped";
    private const string PaperLoadedNotice = "paper loaded: printing resumed";

    private readonly PrinterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<PrinterSession> _sessions = [];
    private readonly List<Receipt> _receipts = [];
    private readonly List<EscPosDiagnostic> _diagnostics = [];
    private readonly List<(Func<Receipt, bool> Match, TaskCompletionSource<Receipt> Done)> _receiptWaiters = [];
    private readonly List<(Func<PrinterStatus, bool> Match, TaskCompletionSource<PrinterStatus> Done)> _statusWaiters = [];
    private readonly PtyPort? _port;
    private PrinterSession? _ptySession;
    private Socket? _listener;
    private CancellationTokenSource? _acceptStop;
    private Task _acceptLoop = Task.CompletedTask;
    private PrinterStatus _status;
    private long? _paperOutAfter;
    private int _receiptNumber;
    private long _bytesReceived;
    private long _bytesPrinted;
    private int _drawerKicks;
    private int _lastClientBaud;
    private volatile bool _baudMismatch;
    private double _slowdown = 1.0;
    private bool _stalled;
    private bool _plugged;
    private bool _disposed;

    private SimulatedPrinter(PrinterOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _lastClientBaud = options.Baud;
        if (options.Serial)
        {
            _port = new PtyPort(options.ResolvedLinkPath, options.Baud, options.Framing);
        }
    }

    /// <summary>A receipt was cut (raised on the printer's thread).</summary>
    public event EventHandler<Receipt>? ReceiptCompleted;

    /// <summary>The sensors changed (a fault injected or cleared, the drawer kicked).</summary>
    public event EventHandler<PrinterStatus>? StatusChanged;

    /// <summary>An unknown or malformed command was skipped.</summary>
    public event EventHandler<EscPosDiagnostic>? DiagnosticReported;

    /// <summary>The printer's name.</summary>
    public string Name => _options.Name;

    /// <summary>The settings it runs with.</summary>
    public PrinterOptions Options => _options;

    /// <summary>The stable path to open, or null when the pty is disabled.</summary>
    public string? LinkPath => _port?.LinkPath;

    /// <summary>The /dev/pts/N behind the link, or null while unplugged or without a pty.</summary>
    public string? DevicePath => _port?.SlavePath;

    /// <summary>The TCP endpoint listened on, or null (no TCP, or unplugged).</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    /// <summary>False after <see cref="Unplug"/> until <see cref="Replug"/>.</summary>
    public bool IsPlugged
    {
        get
        {
            lock (_gate)
            {
                return _plugged;
            }
        }
    }

    /// <summary>The sensors now.</summary>
    public PrinterStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>Bytes taken off the line(s) so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Bytes interpreted (printed) so far; the rest waits in receive buffers.</summary>
    public long BytesPrinted => Interlocked.Read(ref _bytesPrinted);

    /// <summary>Bytes waiting in the receive buffers now.</summary>
    public int BytesBuffered
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Sum(s => s.Buffered);
            }
        }
    }

    /// <summary>Drawer kick pulses received (ESC p, DLE DC4 1).</summary>
    public int DrawerKicks => Volatile.Read(ref _drawerKicks);

    /// <summary>The receipts kept in memory, oldest first.</summary>
    public IReadOnlyList<Receipt> Receipts
    {
        get
        {
            lock (_gate)
            {
                return [.. _receipts];
            }
        }
    }

    /// <summary>The last 200 skipped commands, oldest first.</summary>
    public IReadOnlyList<EscPosDiagnostic> Diagnostics
    {
        get
        {
            lock (_gate)
            {
                return [.. _diagnostics];
            }
        }
    }

    /// <summary>How many times slower than its baud rate the line runs (1 = normal).</summary>
    public double LineSlowdown
    {
        get
        {
            lock (_gate)
            {
                return _slowdown;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1.0);
            lock (_gate)
            {
                _slowdown = value;
                foreach (var session in _sessions)
                {
                    ApplyLine(session);
                }
            }

            SimLog.LineState(_logger, Name, value > 1 ? $"slowed {value:0.##}x" : "normal speed");
        }
    }

    /// <summary>While true no byte moves in either direction (status requests go unanswered).</summary>
    public bool LineStalled
    {
        get
        {
            lock (_gate)
            {
                return _stalled;
            }
        }

        set
        {
            lock (_gate)
            {
                _stalled = value;
                foreach (var session in _sessions)
                {
                    ApplyLine(session);
                }
            }

            SimLog.LineState(_logger, Name, value ? "stalled" : "resumed");
        }
    }

    /// <summary>Validates the options, creates the pty and link, starts listening on TCP.</summary>
    public static SimulatedPrinter Start(PrinterOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.OutputDirectory is { } output)
        {
            Directory.CreateDirectory(output);
        }

        var printer = new SimulatedPrinter(options, time ?? TimeProvider.System, (loggers ?? NullLoggerFactory.Instance).CreateLogger("FirmwareSim.Printer"));
        try
        {
            printer.Replug();
        }
        catch
        {
            printer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return printer;
    }

    /// <summary>Paper near end: printing goes on, DLE EOT 4 reports 0x0C.</summary>
    public void SetPaperNearEnd(bool nearEnd) => Update(s => s with { PaperNearEnd = nearEnd });

    /// <summary>Paper out now (true) or paper loaded (false, which also cancels <see cref="PaperOutAfter"/>).</summary>
    public void SetPaperOut(bool paperOut)
    {
        lock (_gate)
        {
            _paperOutAfter = null;
        }

        Update(s => s with { PaperOut = paperOut });
    }

    /// <summary>The paper runs out after <paramref name="bytes"/> more bytes are printed: mid-receipt.</summary>
    public void PaperOutAfter(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            SetPaperOut(true);
            return;
        }

        lock (_gate)
        {
            _paperOutAfter = bytes;
        }
    }

    /// <summary>Cover open (printing stops) or closed.</summary>
    public void SetCoverOpen(bool open) => Update(s => s with { CoverOpen = open });

    /// <summary>Offline (printing stops, status still answered) or back online.</summary>
    public void SetOffline(bool offline) => Update(s => s with { Offline = offline });

    /// <summary>The cashier closes the drawer (a kick opens it).</summary>
    public void CloseDrawer() => Update(s => s with { DrawerOpen = false });

    /// <summary>Sends bytes to every connected host (noise on the line, a hand-made status).</summary>
    public Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        PrinterSession[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        SimLog.RawSent(_logger, Name, bytes.Length, "raw");
        return Task.Run(() =>
        {
            foreach (var session in sessions)
            {
                session.Send(bytes.Span, cancellationToken);
            }
        }, cancellationToken);
    }

    /// <summary>The device path disappears and TCP connections drop; the printer keeps its state and buffer.</summary>
    public void Unplug()
    {
        lock (_gate)
        {
            if (!_plugged)
            {
                return;
            }

            _plugged = false;
        }

        _port?.Unplug();
        StopTcp();
        SimLog.Unplugged(_logger, Name, LinkPath ?? TcpEndPoint?.ToString() ?? Name);
    }

    /// <summary>The device path comes back (a new /dev/pts/N behind the same link) and TCP listens again on the same port.</summary>
    public void Replug()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_plugged)
            {
                return;
            }

            _plugged = true;
        }

        if (_port is not null)
        {
            _port.Plug();
            SimLog.Plugged(_logger, Name, _port.LinkPath, _port.SlavePath ?? "?");
            if (_ptySession is null)
            {
                _ptySession = NewSession(_port);
                _ptySession.Start();
            }
        }

        if (_options.TcpPort is { } port)
        {
            StartTcp(TcpEndPoint?.Port ?? port);
        }
    }

    /// <summary>Waits for the receipt numbered <paramref name="number"/> (1 = the first since start).</summary>
    public Task<Receipt> WaitForReceiptAsync(int number, CancellationToken cancellationToken = default) =>
        WaitForReceiptAsync(r => r.Number == number, cancellationToken);

    /// <summary>Waits for a receipt (already printed or coming) that matches.</summary>
    public Task<Receipt> WaitForReceiptAsync(Func<Receipt, bool> match, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        var done = new TaskCompletionSource<Receipt>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _receipts.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            _receiptWaiters.Add((match, done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits until the sensors match (e.g. paper out after <see cref="PaperOutAfter"/>).</summary>
    public Task<PrinterStatus> WaitForStatusAsync(Func<PrinterStatus, bool> match, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        var done = new TaskCompletionSource<PrinterStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (match(_status))
            {
                return Task.FromResult(_status);
            }

            _statusWaiters.Add((match, done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    internal void CompleteReceipt(ReceiptDocument document, bool partial)
    {
        int number;
        lock (_gate)
        {
            number = ++_receiptNumber;
        }

        var now = _time.GetUtcNow();
        var text = ReceiptRenderer.ToText(document, _options.CharsPerLine);
        var html = ReceiptRenderer.ToHtml(document, _options.CharsPerLine, $"{Name} receipt {number} {now:yyyy-MM-dd HH:mm:ss}");
        string? textPath = null;
        string? htmlPath = null;
        if (_options.OutputDirectory is { } dir)
        {
            var stem = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"{Name}-{now:yyyyMMdd-HHmmss}-{number:0000}"));
            try
            {
                File.WriteAllText(stem + ".txt", text);
                File.WriteAllText(stem + ".html", html);
                (textPath, htmlPath) = (stem + ".txt", stem + ".html");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                SimLog.ReceiptWriteFailed(_logger, ex, Name, dir);
            }
        }

        var receipt = new Receipt(
            number,
            Name,
            now,
            partial ? CutKind.Partial : CutKind.Full,
            text,
            html,
            textPath,
            htmlPath,
            ReceiptRenderer.Codes(document),
            document.Blocks.OfType<NoticeBlock>().Any(n => n.Message == PaperOutNotice))
        {
            Images = [.. document.Blocks.OfType<ImageBlock>().Where(i => i.Bits is not null).Select(i => new PrintedImage(i.WidthDots, i.HeightDots, i.Bits!))],
            RawBytes = document.Raw,
        };
        List<TaskCompletionSource<Receipt>> matched = [];
        lock (_gate)
        {
            _receipts.Add(receipt);
            if (_receipts.Count > _options.ReceiptsKept)
            {
                _receipts.RemoveAt(0);
            }

            for (var i = _receiptWaiters.Count - 1; i >= 0; i--)
            {
                if (_receiptWaiters[i].Match(receipt))
                {
                    matched.Add(_receiptWaiters[i].Done);
                    _receiptWaiters.RemoveAt(i);
                }
            }
        }

        SimLog.ReceiptCut(_logger, Name, number, receipt.Cut, document.Blocks.Count, textPath is null ? string.Empty : $": {textPath}");
        ReceiptCompleted?.Invoke(this, receipt);
        foreach (var done in matched)
        {
            done.TrySetResult(receipt);
        }
    }

    internal void KickDrawer(int pin)
    {
        Interlocked.Increment(ref _drawerKicks);
        SimLog.DrawerKick(_logger, Name, pin);
        Update(s => s with { DrawerOpen = true });
    }

    internal void ReportDiagnostic(string connection, long offset, string message)
    {
        var diagnostic = new EscPosDiagnostic(connection, offset, message);
        lock (_gate)
        {
            _diagnostics.Add(diagnostic);
            if (_diagnostics.Count > 200)
            {
                _diagnostics.RemoveAt(0);
            }
        }

        SimLog.EscPosDiagnostic(_logger, Name, offset, message);
        DiagnosticReported?.Invoke(this, diagnostic);
    }

    internal void ReportLoopFailure(Exception exception) => SimLog.LoopFailed(_logger, exception, Name);

    internal void CountReceived(int count) => Interlocked.Add(ref _bytesReceived, count);

    /// <summary>How many of <paramref name="available"/> buffered bytes may be printed now.</summary>
    internal int AllowedToPrint(int available)
    {
        lock (_gate)
        {
            if (_status.IsStopped)
            {
                return 0;
            }

            return _paperOutAfter is { } left ? (int)Math.Min(available, left) : available;
        }
    }

    internal void CountPrinted(int count) => Interlocked.Add(ref _bytesPrinted, count);

    internal void UsePaper(int count)
    {
        var runOut = false;
        lock (_gate)
        {
            if (_paperOutAfter is { } left)
            {
                left -= count;
                _paperOutAfter = left > 0 ? left : null;
                runOut = left <= 0;
            }
        }

        if (runOut)
        {
            Update(s => s with { PaperOut = true });
        }
    }

    /// <summary>
    /// True: the serial line behaves as if the client had set another baud (what it sends is received
    /// as garbage, answers go back garbled), whatever the client set. TCP is not affected. Default false.
    /// </summary>
    public bool BaudMismatch
    {
        get => _baudMismatch;
        set => _baudMismatch = value;
    }

    /// <summary>True when the client's baud differs from the printer's (logs each change once).</summary>
    internal bool CheckBaud(int clientBaud)
    {
        if (clientBaud == 0)
        {
            return false;
        }

        if (_baudMismatch)
        {
            return true;
        }

        lock (_gate)
        {
            if (clientBaud != _lastClientBaud)
            {
                _lastClientBaud = clientBaud;
                if (clientBaud == _options.Baud)
                {
                    SimLog.BaudMatched(_logger, Name, clientBaud);
                }
                else
                {
                    SimLog.BaudMismatch(_logger, Name, clientBaud, _options.Baud);
                }
            }
        }

        return clientBaud != _options.Baud;
    }

    internal void SessionEnded(PrinterSession session)
    {
        lock (_gate)
        {
            _sessions.Remove(session);
        }
    }

    private void Update(Func<PrinterStatus, PrinterStatus> change)
    {
        PrinterStatus before;
        PrinterStatus after;
        PrinterSession[] sessions;
        List<TaskCompletionSource<PrinterStatus>> matched = [];
        lock (_gate)
        {
            before = _status;
            after = change(before);
            if (after == before)
            {
                return;
            }

            _status = after;
            sessions = [.. _sessions];
            for (var i = _statusWaiters.Count - 1; i >= 0; i--)
            {
                if (_statusWaiters[i].Match(after))
                {
                    matched.Add(_statusWaiters[i].Done);
                    _statusWaiters.RemoveAt(i);
                }
            }
        }

        SimLog.StatusChanged(_logger, Name, after);
        foreach (var session in sessions)
        {
            if (after.PaperOut != before.PaperOut)
            {
                session.AddNotice(after.PaperOut ? PaperOutNotice : PaperLoadedNotice);
            }

            session.OnStatusChanged(before, after);
        }

        StatusChanged?.Invoke(this, after);
        foreach (var done in matched)
        {
            done.TrySetResult(after);
        }
    }

    private PrinterSession NewSession(IDeviceLink link)
    {
        var rx = new LinePacer(_time, _options.Baud, _options.Framing, _options.PaceLine);
        var tx = new LinePacer(_time, _options.Baud, _options.Framing, _options.PaceLine);
        var session = new PrinterSession(this, link, rx, tx);
        lock (_gate)
        {
            _sessions.Add(session);
            ApplyLine(session);
        }

        return session;
    }

    private void ApplyLine(PrinterSession session)
    {
        session.SetLine(_slowdown, _stalled);
    }

    private void StartTcp(int port)
    {
        var listener = new Socket(_options.TcpAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            // A small window so a sender feels the printer's buffer filling, as on a real 9100 port.
            ReceiveBufferSize = Math.Max(1024, _options.ReceiveBufferSize),
        };
        try
        {
            listener.Bind(new IPEndPoint(_options.TcpAddress, port));
            listener.Listen(4);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var stop = new CancellationTokenSource();
        lock (_gate)
        {
            _listener = listener;
            _acceptStop = stop;
            TcpEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        }

        SimLog.Listening(_logger, Name, TcpEndPoint.ToString());
        _acceptLoop = AcceptLoopAsync(listener, stop.Token);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            var link = new SocketLink(client);
            SimLog.TcpConnected(_logger, Name, link.Description);
            var session = NewSession(link);
            session.Start();
        }
    }

    private void StopTcp()
    {
        Socket? listener;
        CancellationTokenSource? stop;
        PrinterSession[] tcpSessions;
        lock (_gate)
        {
            listener = _listener;
            stop = _acceptStop;
            _listener = null;
            _acceptStop = null;
            tcpSessions = [.. _sessions.Where(s => !s.Link.Persistent)];
        }

        stop?.Cancel();
        listener?.Dispose();
        stop?.Dispose();
        foreach (var session in tcpSessions)
        {
            SimLog.TcpDisconnected(_logger, Name, session.Link.Description);
            session.Dispose();
        }
    }

    /// <summary>Stops every thread, closes the ports and removes the link.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Unplug();
        await _acceptLoop.ConfigureAwait(false);
        _ptySession?.Dispose();
        _port?.Dispose();
        lock (_gate)
        {
            foreach (var (_, done) in _receiptWaiters)
            {
                done.TrySetCanceled();
            }

            foreach (var (_, done) in _statusWaiters)
            {
                done.TrySetCanceled();
            }

            _receiptWaiters.Clear();
            _statusWaiters.Clear();
        }
    }
}
