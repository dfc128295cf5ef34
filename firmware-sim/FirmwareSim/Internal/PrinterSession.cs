using System.Collections.Concurrent;
using FirmwareSim.EscPos;
using FirmwareSim.Receipts;

namespace FirmwareSim.Internal;

/// <summary>
/// One link of a printer (the pty, or one TCP client) with its own thread: reads the line at line
/// speed into a bounded receive buffer, answers real-time requests on arrival, and feeds the
/// interpreter while the printer can print. When the buffer is full the thread stops reading, so
/// the sender's kernel buffer fills and its writes block: back-pressure as on a real line.
/// </summary>
internal sealed class PrinterSession : IEscPosSink, IDisposable
{
    private const int PollMs = 20;
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(2);

    private readonly SimulatedPrinter _printer;
    private readonly IDeviceLink _link;
    private readonly EscPosInterpreter _interpreter;
    private readonly RealTimeCommandScanner _realTime = new();
    private readonly LinePacer _rx;
    private readonly LinePacer _tx;
    private readonly Lock _txGate = new();
    private readonly ConcurrentQueue<string> _notices = new();
    private readonly ConcurrentQueue<byte[]> _outgoing = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private readonly byte[] _buffer;
    private int _head;
    private int _count;
    private int _autoStatusMask;
    private volatile bool _garbling;

    public PrinterSession(SimulatedPrinter printer, IDeviceLink link, LinePacer rx, LinePacer tx)
    {
        _printer = printer;
        _link = link;
        _rx = rx;
        _tx = tx;
        _buffer = new byte[printer.Options.ReceiveBufferSize];
        _interpreter = new EscPosInterpreter(this, printer.Options.CodePages, printer.Options.DefaultCodeTable);
        _thread = new Thread(Run) { IsBackground = true, Name = $"firmware-sim {printer.Name} {link.Description}" };
    }

    public IDeviceLink Link => _link;

    /// <summary>Bytes waiting in the receive buffer.</summary>
    public int Buffered => Volatile.Read(ref _count);

    public bool IsFinished => !_thread.IsAlive && _thread.ThreadState != ThreadState.Unstarted;

    public PrinterStatus Status => _printer.Status;

    public void Start() => _thread.Start();

    /// <summary>Applies the printer-wide slow/stalled line settings to both directions.</summary>
    public void SetLine(double slowdown, bool stalled)
    {
        _rx.Slowdown = slowdown;
        _tx.Slowdown = slowdown;
        _rx.Stalled = stalled;
        _tx.Stalled = stalled;
        _wake.Set();
    }

    /// <summary>Wakes the thread after a state change (paper loaded, line resumed).</summary>
    public void Wake() => _wake.Set();

    public void AddNotice(string message)
    {
        _notices.Enqueue(message);
        _wake.Set();
    }

    /// <summary>The printer's status changed: send an automatic status block if the host asked for one.</summary>
    public void OnStatusChanged(PrinterStatus before, PrinterStatus after)
    {
        var changed = 0;
        if (before.DrawerOpen != after.DrawerOpen)
        {
            changed |= 0x01;
        }

        if (before.IsStopped != after.IsStopped)
        {
            changed |= 0x02;
        }

        if (before.CoverOpen != after.CoverOpen || before.PaperOut != after.PaperOut)
        {
            changed |= 0x04;
        }

        if (before.PaperNearEnd != after.PaperNearEnd || before.PaperOut != after.PaperOut)
        {
            changed |= 0x08;
        }

        if ((changed & Volatile.Read(ref _autoStatusMask)) != 0)
        {
            // Sent by the session thread: a stalled line must not block the technician's call.
            _outgoing.Enqueue(EscPosStatus.AutoStatusBack(after));
        }

        _wake.Set();
    }

    public void Respond(ReadOnlySpan<byte> bytes) => Send(bytes, CancellationToken.None);

    /// <summary>Sends bytes to the host at line speed (garbled when the baud rates disagree).</summary>
    public bool Send(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        var data = _garbling ? LineGarbler.Garble(bytes) : bytes.ToArray();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        lock (_txGate)
        {
            try
            {
                var chunk = _tx.BytesPer(Slice);
                for (var i = 0; i < data.Length; i += chunk)
                {
                    var n = Math.Min(chunk, data.Length - i);
                    _tx.Pace(n, linked.Token);
                    if (!_link.Write(data.AsSpan(i, n), linked.Token))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    public void Cut(ReceiptDocument document, bool partial) => _printer.CompleteReceipt(document, partial);

    public void DrawerKick(int pin) => _printer.KickDrawer(pin);

    public void AutoStatusBackChanged(int mask)
    {
        Volatile.Write(ref _autoStatusMask, mask & 0x0F);
        if ((mask & 0x0F) != 0)
        {
            Respond(EscPosStatus.AutoStatusBack(_printer.Status));
        }
    }

    public void Diagnostic(long offset, string message) => _printer.ReportDiagnostic(_link.Description, offset, message);

    private void Run()
    {
        var token = _stop.Token;
        var chunk = new byte[Math.Min(_buffer.Length, 4096)];
        try
        {
            while (!token.IsCancellationRequested)
            {
                while (_notices.TryDequeue(out var notice))
                {
                    // Only a receipt in progress shows paper events; an idle link has nothing to mark.
                    if (!_interpreter.Pending.IsEmpty || _count > 0)
                    {
                        _interpreter.AddNotice(notice);
                    }
                }

                while (_outgoing.TryDequeue(out var block))
                {
                    Respond(block);
                }

                PrintBuffered();
                var room = _buffer.Length - _count;
                if (room <= 0 || _rx.Stalled)
                {
                    _wake.WaitOne(PollMs);
                    continue;
                }

                var want = Math.Min(Math.Min(room, chunk.Length), _rx.BytesPer(Slice));
                switch (_link.Read(chunk.AsSpan(0, want), PollMs, out var n))
                {
                    case LinkRead.Data:
                        _rx.Pace(n, token);
                        Receive(chunk.AsSpan(0, n));
                        break;
                    case LinkRead.Idle:
                        break;
                    case LinkRead.NoClient when !_link.Persistent:
                        return;
                    case LinkRead.NoClient:
                    case LinkRead.Unplugged:
                        // Nobody attached (POLLHUP / EIO): back off instead of spinning.
                        _wake.WaitOne(PollMs);
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            _printer.ReportLoopFailure(ex);
        }
        finally
        {
            _printer.SessionEnded(this);
            if (!_link.Persistent && _link is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    private void Receive(ReadOnlySpan<byte> data)
    {
        var clientBaud = _link.ClientBaud();
        _garbling = _printer.Options.GarbleOnBaudMismatch && _printer.CheckBaud(clientBaud);
        if (_garbling)
        {
            data = LineGarbler.Garble(data);
        }

        _printer.CountReceived(data.Length);
        foreach (var b in data)
        {
            Append(b);
            if (_realTime.Push(b) is not { } command)
            {
                continue;
            }

            switch (command.Command)
            {
                case RealTimeCommand.Status:
                    if (EscPosStatus.RealTime(command.N, _printer.Status) is { } status)
                    {
                        Respond([status]);
                    }

                    break;
                case RealTimeCommand.Recover when command.N == 2:
                case RealTimeCommand.ClearBuffers:
                    _head = 0;
                    _count = 0;
                    _interpreter.DiscardIncompleteCommand();
                    break;
                case RealTimeCommand.DrawerPulse:
                    _printer.KickDrawer(command.N is 0 ? 2 : 5);
                    break;
            }
        }
    }

    private void Append(byte b)
    {
        _buffer[(_head + _count) % _buffer.Length] = b;
        Volatile.Write(ref _count, _count + 1);
    }

    private void PrintBuffered()
    {
        while (_count > 0)
        {
            var allowed = _printer.AllowedToPrint(_count);
            if (allowed <= 0)
            {
                return;
            }

            var contiguous = Math.Min(allowed, _buffer.Length - _head);

            // Counted before the interpreter sees them: a cut inside these bytes completes a receipt,
            // and whoever waits on that receipt must already see the bytes that made it as printed.
            _printer.CountPrinted(contiguous);
            _interpreter.Feed(_buffer.AsSpan(_head, contiguous));
            _head = (_head + contiguous) % _buffer.Length;
            Volatile.Write(ref _count, _count - contiguous);
            _printer.UsePaper(contiguous);
        }
    }

    public void Stop()
    {
        _stop.Cancel();
        _wake.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        Stop();
        if (_link is IDisposable disposable && !_link.Persistent)
        {
            disposable.Dispose();
        }

        _stop.Dispose();
        _wake.Dispose();
    }
}
