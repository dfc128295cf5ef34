using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Devices.Internal;
using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Printing;

/// <summary>
/// An ESC/POS receipt printer driver with a durable queue. <see cref="Print"/> stores the job and
/// returns its id at once; the device thread prints jobs in order when the printer is ready, polls
/// DLE EOT status between jobs, holds a job interrupted by paper out, cover open, offline or
/// disconnect, and reprints it with a COPY mark when part of it may already have come out.
/// </summary>
public sealed class ReceiptPrinter : IDisposable
{
    private static readonly byte[] StatusRequest = [0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04];

    // DLE DC4 8 (real-time): clear the receive and print buffers, so the rest of an interrupted job
    // does not come out after the paper is loaded; the job is reprinted whole, marked as a copy.
    private static readonly byte[] ClearBuffers = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08];

    private readonly PrinterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PrintQueue _queue;
    private readonly DeviceSession _session;
    private readonly StatusStream _incoming = new();
    private readonly byte[] _copyMark;
    private readonly byte[] _readBuffer = new byte[256];
    private readonly TimeSpan _byteTime;
    private readonly byte[] _answers = new byte[3];
    private volatile bool _wake;
    private int _outstanding;
    private long _requestedAt;
    private PrinterStatus? _reported;
    private string? _lastHeldJob;

    /// <summary>Creates a stopped driver and opens its queue; throws <see cref="ArgumentException"/> listing every configuration problem.</summary>
    public ReceiptPrinter(PrinterOptions options, TimeProvider? time = null, ILogger<ReceiptPrinter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var transport = DeviceTransports.Create(options.Transport, options.Name);
        _byteTime = transport.ByteTime > TimeSpan.Zero ? transport.ByteTime : TimeSpan.FromTicks(TimeSpan.TicksPerSecond / options.SlowestBytesPerSecond);
        _copyMark = ReceiptBuilder.CopyMark(options.Profile, options.CopyMarkText);
        _queue = new PrintQueue(options.QueuePath, _time, options.QueueFileMode);
        _session = new DeviceSession(options.Name, transport, options.Reconnect, _time, Raise, _logger);
    }

    /// <summary>Status changes, job progress, encoding replacements and connection changes.</summary>
    public event EventHandler<DeviceEvent>? EventRaised;

    /// <summary>The configured name.</summary>
    public string Name => _options.Name;

    /// <summary>True while the device is open.</summary>
    public bool IsConnected => _session.IsConnected;

    /// <summary>The last status reported, or null before the first answer.</summary>
    public PrinterStatus? Status => _reported;

    /// <summary>The queue, for job lookups.</summary>
    public PrintQueue Queue => _queue;

    /// <summary>Starts the device thread; a missing printer is reported as an event and retried, never thrown.</summary>
    public void Start() => _session.Start(Run, OnDisconnected);

    /// <summary>Stops printing (a job being sent is held and resumed on the next start) and closes the device.</summary>
    public void Stop() => _session.Stop();

    /// <summary>Stores the receipt durably and returns the job id; printing follows on the device thread.</summary>
    public string Print(Receipt receipt, string? jobId = null)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var id = _queue.Enqueue(receipt, jobId);
        var now = _time.GetUtcNow();
        Raise(new PrintJobEvent(_options.Name, now, id, PrintJobState.Queued, false, null));
        if (receipt.ReplacedCharacters.Count > 0)
        {
            Raise(new ReceiptEncodingEvent(_options.Name, now, id, string.Concat(receipt.ReplacedCharacters)));
        }

        _wake = true;
        return id;
    }

    public void Dispose()
    {
        _session.Dispose();
        _queue.Dispose();
    }

    private void Run(IDeviceTransport link, CancellationToken ct)
    {
        _incoming.Reset();
        _outstanding = 0;
        if (_options.Profile.AutomaticStatusBack)
        {
            // GS a: report online/offline, error and paper sensor changes without being asked.
            link.Write([0x1D, 0x61, 0x0E], WriteTimeout(3), ct);
        }

        var status = QueryStatus(link, 0, ct);
        while (true)
        {
            var job = _queue.Next();
            if (job is null)
            {
                IdleWait(link, ct);
                status = QueryStatus(link, 0, ct);
                continue;
            }

            if (!status.IsReady)
            {
                Hold(job, $"printer {status}", mayHavePrinted: false);
                IdleWait(link, ct);
                status = QueryStatus(link, 0, ct);
                continue;
            }

            status = PrintJob(link, job, ct);
        }
    }

    private PrinterStatus PrintJob(IDeviceTransport link, PrintJob job, CancellationToken ct)
    {
        var copy = job.MayHavePrinted;
        var payload = copy ? [.. _copyMark, .. job.Bytes] : job.Bytes;
        var offset = copy ? _copyMark.Length : 0;
        _queue.MarkPrinting(job.Id);
        Raise(new PrintJobEvent(_options.Name, _time.GetUtcNow(), job.Id, PrintJobState.Printing, copy, null));
        var sent = 0;
        try
        {
            var boundaries = job.Boundaries.Select(b => b + offset).Prepend(0).Append(payload.Length).Distinct().ToArray();
            var start = 0;
            for (var i = 1; i < boundaries.Length; i++)
            {
                var end = boundaries[i];
                if (end - start < _options.ChunkSize && i < boundaries.Length - 1)
                {
                    continue;
                }

                link.Write(payload.AsSpan(start, end - start), WriteTimeout(end - start), ct);
                sent = end;
                start = end;
                if (Drain(link, ct) is { IsReady: false } pushed)
                {
                    // Automatic status back says the printer stopped mid-job: what it got may be on paper.
                    Interrupt(link, job, pushed, ct);
                    return pushed;
                }
            }

            var status = ConfirmJob(link, payload.Length, ct);
            if (!status.IsReady)
            {
                Interrupt(link, job, status, ct);
                return status;
            }

            _queue.MarkCompleted(job.Id);
            _lastHeldJob = null;
            DeviceLog.Job(_logger, _options.Name, job.Id, "completed", copy ? " (copy)" : string.Empty, null);
            Raise(new PrintJobEvent(_options.Name, _time.GetUtcNow(), job.Id, PrintJobState.Completed, copy, null));
            return status;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException)
        {
            Hold(job, ex is OperationCanceledException ? "driver stopped" : $"interrupted: {ex.Message}", mayHavePrinted: sent > 0 || ex is TimeoutException);
            throw;
        }
    }

    private void Interrupt(IDeviceTransport link, PrintJob job, PrinterStatus status, CancellationToken ct)
    {
        _queue.MarkHeld(job.Id, $"interrupted: printer {status}", mayHavePrinted: true);
        link.DiscardPendingOutput();
        link.Write(ClearBuffers, WriteTimeout(ClearBuffers.Length), ct);
        Hold(job, $"interrupted: printer {status}", mayHavePrinted: true);
    }

    /// <summary>Asks DLE EOT 1, 2 and 4 (unless an earlier request is still unanswered) and waits for the answers.</summary>
    private PrinterStatus QueryStatus(IDeviceTransport link, int bytesAhead, CancellationToken ct)
    {
        RequestStatus(link, ct);
        if (AwaitStatus(link, bytesAhead, ct) is { } status)
        {
            return status;
        }

        // The link is up but the printer is silent or garbled: a status, not a disconnect, so the
        // driver keeps polling instead of reopening the device in a loop.
        DeviceLog.StatusUnanswered(_logger, _options.Name, StatusWait(bytesAhead).TotalMilliseconds, _incoming.Garbage);
        Report(PrinterStatus.Silent);
        return PrinterStatus.Silent;
    }

    /// <summary>
    /// After a job: the answers come once the printer has taken every byte before them, however slow
    /// the line really is; keep waiting (reporting "not answering") rather than guess the job failed.
    /// </summary>
    private PrinterStatus ConfirmJob(IDeviceTransport link, int bytesAhead, CancellationToken ct)
    {
        RequestStatus(link, ct);
        while (true)
        {
            if (AwaitStatus(link, bytesAhead, ct) is { } status)
            {
                return status;
            }

            Report(PrinterStatus.Silent);
            RequestStatus(link, ct);
        }
    }

    /// <summary>
    /// Sends DLE EOT 1, 2, 4 unless answers to an earlier request are still due: answers carry no
    /// request id, so a late answer must not be taken for a newer request's. A request unanswered
    /// for <see cref="LostAfter"/> is taken as lost (garbled on the line) and sent again.
    /// </summary>
    private void RequestStatus(IDeviceTransport link, CancellationToken ct)
    {
        if (_outstanding > 0 && Stopwatch.GetElapsedTime(_requestedAt) < LostAfter)
        {
            return;
        }

        _incoming.ClearAnswers();
        link.Write(StatusRequest, WriteTimeout(StatusRequest.Length), ct);
        _outstanding = 3;
        _requestedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Reads until the outstanding answers are in; null when they are not within the wait.</summary>
    private PrinterStatus? AwaitStatus(IDeviceTransport link, int bytesAhead, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StatusWait(bytesAhead).TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            while (_outstanding > 0 && _incoming.AnswerCount > 0)
            {
                _answers[3 - _outstanding] = _incoming.TakeAnswer();
                _outstanding--;
            }

            if (_outstanding == 0)
            {
                var status = PrinterStatus.FromRealTime(_answers[0], _answers[1], _answers[2]);
                Report(status);
                return status;
            }

            var left = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            var n = left > TimeSpan.Zero ? link.Read(_readBuffer, left, ct) : 0;
            if (n == 0)
            {
                return null;
            }

            _incoming.Feed(_readBuffer.AsSpan(0, n));
        }
    }

    private TimeSpan StatusWait(int bytesAhead) => (_byteTime * ((bytesAhead + StatusRequest.Length) * 3 / 2)) + _options.StatusTimeout;

    private TimeSpan LostAfter => (_options.StatusTimeout * 5) + (_byteTime * 4096);

    /// <summary>Reads what is already there (automatic status back) without waiting; returns a pushed status.</summary>
    private PrinterStatus? Drain(IDeviceTransport link, CancellationToken ct)
    {
        var before = _incoming.AutoStatus;
        int n;
        while ((n = link.Read(_readBuffer, TimeSpan.Zero, ct)) > 0)
        {
            _incoming.Feed(_readBuffer.AsSpan(0, n));
        }

        if (_incoming.AutoStatus is { } pushed && pushed != before)
        {
            Report(pushed);
            return pushed;
        }

        return null;
    }

    /// <summary>Waits for a new job, a pushed status change or the poll interval.</summary>
    private void IdleWait(IDeviceTransport link, CancellationToken ct)
    {
        var until = Stopwatch.GetTimestamp() + (long)(_options.StatusPollInterval.TotalSeconds * Stopwatch.Frequency);
        while (!_wake && Stopwatch.GetTimestamp() < until)
        {
            var before = _incoming.AutoStatus;
            var n = link.Read(_readBuffer, TransportDefaults.CancellationSlice, ct);
            if (n > 0)
            {
                _incoming.Feed(_readBuffer.AsSpan(0, n));
                if (_incoming.AutoStatus != before)
                {
                    return;
                }
            }
        }

        _wake = false;
    }

    private void Hold(PrintJob job, string reason, bool mayHavePrinted)
    {
        _queue.MarkHeld(job.Id, reason, mayHavePrinted);
        if (_lastHeldJob == job.Id)
        {
            return;
        }

        _lastHeldJob = job.Id;
        DeviceLog.Job(_logger, _options.Name, job.Id, "held", string.Empty, reason);
        Raise(new PrintJobEvent(_options.Name, _time.GetUtcNow(), job.Id, PrintJobState.Held, job.MayHavePrinted || mayHavePrinted, reason));
    }

    private void Report(PrinterStatus status)
    {
        if (_reported == status)
        {
            return;
        }

        _reported = status;
        DeviceLog.PrinterStatus(_logger, _options.Name, status.ToString());
        Raise(new PrinterStatusEvent(_options.Name, _time.GetUtcNow(), status));
    }

    private void OnDisconnected() => _reported = null;

    /// <summary>No progress for twice the chunk's line time plus a second means the printer has stalled.</summary>
    private TimeSpan WriteTimeout(int bytes) => (_byteTime * (bytes * 2)) + TimeSpan.FromSeconds(1);

    private void Raise(DeviceEvent e)
    {
        try
        {
            EventRaised?.Invoke(this, e);
        }
        catch (Exception ex)
        {
            DeviceLog.HandlerFailed(_logger, ex, _options.Name);
        }
    }
}
