using System.IO.Ports;
using PosAgent.Devices.Transports;
using Port = System.IO.Ports.SerialPort;

namespace PosAgent.Devices.Internal;

/// <summary>
/// A serial port through System.IO.Ports (the Windows default; selectable on Linux), guarded
/// against its known faults (docs/decisions/0001-serial-transport-per-os.md):
/// <list type="bullet">
/// <item>reads are synchronous with a short <see cref="Port.ReadTimeout"/> on a reader thread of
/// their own that fills a bounded buffer, so a read never outlives its caller's timeout or
/// cancellation (on Windows ReadAsync ignores its token once started);</item>
/// <item>input left from before the open is discarded (Open does not flush it);</item>
/// <item>writes have a finite timeout and are awaited in slices, so an unplug seen by the reader,
/// a cancellation or the deadline ends them (a dead port's write would hang until WriteTimeout,
/// forever by default);</item>
/// <item>an unplug (the pending read fails, or the port has vanished while IsOpen still says true)
/// becomes <see cref="DeviceUnavailableException"/>, the same as the termios transport;</item>
/// <item>dispose runs on its own thread and is abandoned after <see cref="DisposeBound"/>
/// (it can hang after a timed-out write, dotnet/runtime #121627);</item>
/// <item>every error names the port.</item>
/// </list>
/// Reopening with backoff is the caller's (<see cref="DeviceSession"/>): each open makes a new
/// <see cref="Port"/>, as a disposed one cannot be reused.
/// </summary>
internal sealed class SerialPortTransport : IDeviceTransport
{
    /// <summary>The reader thread's ReadTimeout: how often it looks whether it should stop or the port vanished.</summary>
    internal static readonly TimeSpan ReadSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a close waits for SerialPort.Dispose before abandoning it.</summary>
    internal static readonly TimeSpan DisposeBound = TimeSpan.FromSeconds(2);

    /// <summary>Bytes the reader holds before it waits for the driver to take some.</summary>
    internal const int MaxBuffered = 64 * 1024;

    private static int s_abandonedDisposals;

    private readonly TransportOptions _options;
    private readonly Func<Port, TimeSpan, bool> _dispose;
    private readonly TimeSpan _disposeBound;
    private Connection? _connection;
    private bool _lastCloseAbandoned;

    public SerialPortTransport(TransportOptions options)
        : this(options, BoundedDispose, DisposeBound)
    {
    }

    /// <summary>For tests: <paramref name="dispose"/> closes a port within <paramref name="disposeBound"/> and says whether it finished.</summary>
    internal SerialPortTransport(TransportOptions options, Func<Port, TimeSpan, bool> dispose, TimeSpan disposeBound)
    {
        _options = options;
        _dispose = dispose;
        _disposeBound = disposeBound;
        ByteTime = options.Framing.LineTime(options.Baud, 1);
    }

    /// <summary>How many closes in this process gave up on a hung SerialPort.Dispose.</summary>
    public static int AbandonedDisposals => Volatile.Read(ref s_abandonedDisposals);

    public string Name => _options.Path;

    public TimeSpan ByteTime { get; }

    public bool IsOpen => _connection is { Fault: null };

    public void Open(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Close();
        var port = CreatePort();
        try
        {
            port.Open();
        }
        catch (Exception ex)
        {
            port.Dispose();
            throw OpenError(ex);
        }

        try
        {
            SetModemLines(port);

            // SerialPort.Open does not flush: bytes the device sent while nobody listened (a scan
            // made during a restart, an old status answer) would be taken for new ones.
            port.DiscardInBuffer();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            _dispose(port, _disposeBound);
            throw new DeviceUnavailableException(Name, $"Serial port '{Name}' opened but could not be set up: {ex.Message}", ex);
        }

        var connection = new Connection(this, port);
        _connection = connection;
        _lastCloseAbandoned = false;
        connection.StartReader();
    }

    public int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = Current();
        return connection.Take(buffer, timeout, cancellationToken);
    }

    public void Write(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = Current();
        var chunkSize = ChunkSize();
        while (!data.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            connection.ThrowIfFaulted();
            var length = Math.Min(chunkSize, data.Length);

            // A new array per chunk: a write abandoned on timeout may still hold its buffer.
            var chunk = data[..length].ToArray();
            connection.Write(chunk, timeout, cancellationToken);
            data = data[length..];
        }
    }

    public void DiscardPendingOutput()
    {
        var connection = Current();
        try
        {
            connection.Port.DiscardOutBuffer();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            throw connection.Lost(ex);
        }
    }

    public void Close()
    {
        var connection = _connection;
        _connection = null;
        if (connection is null)
        {
            return;
        }

        connection.Stop();
        if (!_dispose(connection.Port, _disposeBound))
        {
            // Left to finish (or not) on its own thread; the next open reports "busy" while it holds the port.
            Interlocked.Increment(ref s_abandonedDisposals);
            _lastCloseAbandoned = true;
        }

        connection.JoinReader(_disposeBound);
    }

    public void Dispose() => Close();

    /// <summary>Runs SerialPort.Dispose on a thread of its own; false when it has not finished within <paramref name="bound"/>.</summary>
    internal static bool BoundedDispose(Port port, TimeSpan bound) => RunBounded(port.Dispose, bound, $"dispose {port.PortName}");

    /// <summary>Runs <paramref name="action"/> on a background thread; false (and the thread left running) when it outlives <paramref name="bound"/>.</summary>
    internal static bool RunBounded(Action action, TimeSpan bound, string name)
    {
        using var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // Closing a port that is already gone may fail; it is closed all the same.
            }
            finally
            {
                // The event may already be disposed when the wait gave up.
                try
                {
                    done.Set();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Wait(bound);
    }

    private Port CreatePort()
    {
        var (dataBits, parity, stopBits) = _options.Framing switch
        {
            SerialFraming.SevenEvenOne => (7, Parity.Even, StopBits.One),
            SerialFraming.EightNoneTwo => (8, Parity.None, StopBits.Two),
            _ => (8, Parity.None, StopBits.One),
        };
        return new Port(_options.Path, _options.Baud, parity, dataBits, stopBits)
        {
            Handshake = _options.FlowControl switch
            {
                FlowControl.RtsCts => Handshake.RequestToSend,
                FlowControl.XonXoff => Handshake.XOnXOff,
                _ => Handshake.None,
            },
            ReadTimeout = (int)ReadSlice.TotalMilliseconds,
            WriteTimeout = (int)TransportDefaults.ConnectTimeout.TotalMilliseconds,
            ReadBufferSize = 16 * 1024,
        };
    }

    /// <summary>Raises DTR (and RTS without hardware handshake) as opening a tty does; a pty has no modem lines, so failure is ignored.</summary>
    private void SetModemLines(Port port)
    {
        try
        {
            port.DtrEnable = true;
            if (_options.FlowControl != FlowControl.RtsCts)
            {
                port.RtsEnable = true;
            }
        }
        catch (IOException)
        {
        }
    }

    private Exception OpenError(Exception ex)
    {
        // SerialPort on Unix reports a missing path and a file that is not a tty alike, as "access denied".
        if (!OperatingSystem.IsWindows() && ex is UnauthorizedAccessException or IOException)
        {
            if (!File.Exists(Name))
            {
                return new FileNotFoundException($"Serial port '{Name}' does not exist (unplugged, or a wrong path).", Name, ex);
            }

            var target = File.ResolveLinkTarget(Name, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(Name);
            if (!target.StartsWith("/dev/", StringComparison.Ordinal))
            {
                return new DeviceUnavailableException(Name, $"Serial port '{Name}' is not a serial device ('{target}' is not under /dev).", ex);
            }
        }

        var busyHint = _lastCloseAbandoned ? " An earlier close of this port hung and was abandoned; it may still hold the port." : string.Empty;
        return ex switch
        {
            FileNotFoundException or DirectoryNotFoundException => new FileNotFoundException($"Serial port '{Name}' does not exist: {ex.Message}", Name, ex),
            UnauthorizedAccessException => new UnauthorizedAccessException(
                OperatingSystem.IsWindows()
                    ? $"Serial port '{Name}' is in use by another program or access is denied: {ex.Message}{busyHint}"
                    : $"Serial port '{Name}' cannot be opened: {ex.Message} Is the user in the dialout group?{busyHint}",
                ex),
            ArgumentException => new DeviceUnavailableException(Name, $"Serial port '{Name}' is not a port or rejected the settings ({_options.Baud} baud, {_options.Framing}, {_options.FlowControl}): {ex.Message}", ex),
            _ => new DeviceUnavailableException(Name, $"Serial port '{Name}' cannot be opened: {ex.Message}{busyHint}", ex),
        };
    }

    private int ChunkSize()
    {
        // About one cancellation slice of wire time per chunk, so a stop is seen between chunks.
        if (ByteTime <= TimeSpan.Zero)
        {
            return 4096;
        }

        return (int)Math.Clamp(TransportDefaults.CancellationSlice.Ticks / ByteTime.Ticks, 16, 4096);
    }

    /// <summary>True while the port still exists: its path (Linux) or its name among the COM ports (Windows).</summary>
    private bool StillPresent()
    {
        if (OperatingSystem.IsWindows())
        {
            return Port.GetPortNames().Contains(Name, StringComparer.OrdinalIgnoreCase);
        }

        return File.Exists(Name);
    }

    private Connection Current() =>
        _connection ?? throw new DeviceUnavailableException(Name, $"Serial port '{Name}' is not open.");

    /// <summary>One open port: its reader thread, the bytes it read, and why it was lost.</summary>
    private sealed class Connection(SerialPortTransport owner, Port port)
    {
        private readonly object _gate = new();
        private readonly byte[] _buffer = new byte[MaxBuffered];
        private int _start;
        private int _count;
        private volatile bool _stopping;
        private Thread? _reader;

        public Port Port { get; } = port;

        public Exception? Fault { get; private set; }

        private string Name => owner.Name;

        public void StartReader()
        {
            _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"serial reader {Name}" };
            _reader.Start();
        }

        public void Stop()
        {
            _stopping = true;
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }

        public void JoinReader(TimeSpan bound)
        {
            if (_reader is { } reader && reader != Thread.CurrentThread)
            {
                reader.Join(bound);
            }
        }

        public void ThrowIfFaulted()
        {
            if (Fault is { } fault)
            {
                throw new DeviceUnavailableException(Name, fault.Message, fault);
            }
        }

        public DeviceUnavailableException Lost(Exception cause)
        {
            var lost = new DeviceUnavailableException(Name, $"Serial port '{Name}' was lost (unplugged or closed by the other side): {cause.Message}", cause);
            lock (_gate)
            {
                Fault ??= lost;
                Monitor.PulseAll(_gate);
            }

            return lost;
        }

        public int Take(Span<byte> destination, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (true)
                {
                    if (_count > 0)
                    {
                        var n = Math.Min(destination.Length, _count);
                        var first = Math.Min(n, _buffer.Length - _start);
                        _buffer.AsSpan(_start, first).CopyTo(destination);
                        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
                        _start = (_start + n) % _buffer.Length;
                        _count -= n;
                        Monitor.PulseAll(_gate);
                        return n;
                    }

                    // Bytes read before the loss are handed out first, as the termios transport does.
                    ThrowIfFaulted();
                    cancellationToken.ThrowIfCancellationRequested();
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        return 0;
                    }

                    Monitor.Wait(_gate, left < TransportDefaults.CancellationSlice ? left : TransportDefaults.CancellationSlice);
                }
            }
        }

        public void Write(byte[] chunk, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var bound = timeout < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : timeout;
            Task task;
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                // Finite on every write: on Windows it is the driver's own write timeout (COMMTIMEOUTS).
                Port.WriteTimeout = (int)Math.Min(int.MaxValue, Math.Ceiling(bound.TotalMilliseconds));
                task = Port.BaseStream.WriteAsync(chunk, 0, chunk.Length, abort.Token);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                throw Lost(ex);
            }

            var deadline = DateTime.UtcNow + bound;
            while (!Finishes(task, TransportDefaults.CancellationSlice))
            {
                if (Fault is not null || cancellationToken.IsCancellationRequested || DateTime.UtcNow >= deadline)
                {
                    abort.Cancel();
                    ThrowIfFaulted();
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!owner.StillPresent())
                    {
                        throw Lost(new IOException("the port is gone"));
                    }

                    throw new TimeoutException($"Serial port '{Name}' accepted no data for {bound.TotalMilliseconds:0} ms ({chunk.Length} bytes of this write left).");
                }
            }

            if (task.IsFaulted)
            {
                var ex = task.Exception!.GetBaseException();
                if (ex is TimeoutException)
                {
                    throw new TimeoutException($"Serial port '{Name}' accepted no data for {bound.TotalMilliseconds:0} ms.", ex);
                }

                throw Lost(ex);
            }

            if (task.IsCanceled)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"Serial port '{Name}' accepted no data for {bound.TotalMilliseconds:0} ms.");
            }
        }

        /// <summary>Waits for <paramref name="task"/> without throwing its fault (looked at afterwards).</summary>
        private static bool Finishes(Task task, TimeSpan wait)
        {
            try
            {
                return task.Wait(wait, CancellationToken.None);
            }
            catch (AggregateException)
            {
                return true;
            }
        }

        private void ReadLoop()
        {
            var chunk = new byte[4096];
            while (!_stopping)
            {
                int n;
                try
                {
                    n = Port.Read(chunk, 0, chunk.Length);
                }
                catch (TimeoutException)
                {
                    // After an unplug SerialPort can go on timing out reads with IsOpen still true:
                    // whether the port still exists is the only sign.
                    if (!_stopping && !owner.StillPresent())
                    {
                        Lost(new IOException("the port is gone"));
                        return;
                    }

                    continue;
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException or OperationCanceledException)
                {
                    if (!_stopping)
                    {
                        Lost(ex);
                    }

                    return;
                }

                Append(chunk.AsSpan(0, n));
            }
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            lock (_gate)
            {
                while (!bytes.IsEmpty && !_stopping)
                {
                    while (_count == _buffer.Length && !_stopping)
                    {
                        // The driver is not reading: hold the bytes rather than drop them.
                        Monitor.Wait(_gate, TransportDefaults.CancellationSlice);
                    }

                    var end = (_start + _count) % _buffer.Length;
                    var n = Math.Min(bytes.Length, Math.Min(_buffer.Length - _count, _buffer.Length - end));
                    bytes[..n].CopyTo(_buffer.AsSpan(end));
                    _count += n;
                    bytes = bytes[n..];
                }

                Monitor.PulseAll(_gate);
            }
        }
    }
}
