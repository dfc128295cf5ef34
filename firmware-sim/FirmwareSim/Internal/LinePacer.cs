using PosAgent.Devices;

namespace FirmwareSim.Internal;

/// <summary>
/// Paces one direction of a serial line: n bytes take n x (bits per byte / baud), stretched by a
/// slow-line factor, and nothing moves while the line is stalled. A pty moves ~100 MB/s and
/// ignores baud, so without this a simulated device would be unrealistically fast.
/// </summary>
internal sealed class LinePacer
{
    /// <summary>How far behind schedule the line may run and still catch up at full speed.</summary>
    internal static readonly TimeSpan CatchUp = TimeSpan.FromMilliseconds(20);

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private TaskCompletionSource _resumed = NewResumed(completed: true);
    private long _lineFreeAt;
    private double _slowdown = 1.0;

    public LinePacer(TimeProvider time, int baud, SerialFraming framing, bool enabled = true)
    {
        _time = time;
        Baud = baud;
        Framing = framing;
        Enabled = enabled;
        // Never busy yet: the first bytes start their wire time when sent, not when the port was made
        // (catching up from construction let a scan sent within CatchUp of opening arrive early).
        _lineFreeAt = long.MinValue;
    }

    public int Baud { get; }

    public SerialFraming Framing { get; }

    /// <summary>False: bytes move at once (the pty's own speed).</summary>
    public bool Enabled { get; }

    /// <summary>How many times slower than the baud rate the line runs (1 = normal).</summary>
    public double Slowdown
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
            }
        }
    }

    public bool Stalled
    {
        get
        {
            lock (_gate)
            {
                return !_resumed.Task.IsCompleted;
            }
        }

        set
        {
            TaskCompletionSource? toComplete = null;
            lock (_gate)
            {
                if (value && _resumed.Task.IsCompleted)
                {
                    _resumed = NewResumed(completed: false);
                }
                else if (!value && !_resumed.Task.IsCompleted)
                {
                    toComplete = _resumed;
                    _lineFreeAt = _time.GetTimestamp();
                }
            }

            toComplete?.TrySetResult();
        }
    }

    /// <summary>Bytes the line carries in about <paramref name="slice"/> (at least 1): the chunk size to move at a time.</summary>
    public int BytesPer(TimeSpan slice)
    {
        if (!Enabled)
        {
            return int.MaxValue;
        }

        var perByte = ByteTime(1);
        return (int)Math.Clamp(slice.Ticks / Math.Max(1, perByte.Ticks), 1, 4096);
    }

    /// <summary>The time <paramref name="count"/> bytes take on this line now.</summary>
    public TimeSpan ByteTime(int count)
    {
        double slowdown;
        lock (_gate)
        {
            slowdown = _slowdown;
        }

        return TimeSpan.FromTicks((long)(Framing.LineTime(Baud, count).Ticks * slowdown));
    }

    /// <summary>
    /// Waits while the line is stalled, then until <paramref name="count"/> more bytes have had their
    /// wire time after the previous ones: on return the last of them has "arrived".
    /// </summary>
    public async Task PaceAsync(int count, CancellationToken cancellationToken)
    {
        var wait = await ReserveAsync(count, cancellationToken).ConfigureAwait(false);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The synchronous form for the device threads (pacing is the device's behaviour, so blocking here
    /// is by design). On the system clock it sleeps the thread: timer callbacks need the thread pool,
    /// which a busy machine may starve.
    /// </summary>
    public void Pace(int count, CancellationToken cancellationToken)
    {
        var wait = ReserveAsync(count, cancellationToken).GetAwaiter().GetResult();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        if (_time == TimeProvider.System)
        {
            if (cancellationToken.WaitHandle.WaitOne(wait))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        else
        {
            Task.Delay(wait, _time, cancellationToken).GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits out a stall, books <paramref name="count"/> bytes on the line and returns how long until they have arrived.</summary>
    private async Task<TimeSpan> ReserveAsync(int count, CancellationToken cancellationToken)
    {
        Task resumed;
        lock (_gate)
        {
            resumed = _resumed.Task;
        }

        if (!resumed.IsCompleted)
        {
            await resumed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return Book(count);
    }

    /// <summary>Books <paramref name="count"/> bytes on the line after those already booked and returns how long until they have arrived.</summary>
    internal TimeSpan Book(int count)
    {
        if (!Enabled)
        {
            return TimeSpan.Zero;
        }

        var now = _time.GetTimestamp();
        long due;
        lock (_gate)
        {
            // A sender that woke up late (less than CatchUp behind) continues from where the line
            // was, so the average rate holds on a busy machine; after an idle spell it starts afresh.
            var start = _lineFreeAt != long.MinValue && _lineFreeAt >= now - ToTimestamp(CatchUp) ? _lineFreeAt : now;
            due = start + ToTimestamp(ByteTime(count));
            _lineFreeAt = due;
        }

        return _time.GetElapsedTime(now, due);
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private static TaskCompletionSource NewResumed(bool completed)
    {
        // Continuations run inline on resume so the waiter re-times itself before Stalled=false returns.
        var tcs = new TaskCompletionSource(TaskCreationOptions.None);
        if (completed)
        {
            tcs.SetResult();
        }

        return tcs;
    }
}
