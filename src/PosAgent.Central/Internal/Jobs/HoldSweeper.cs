using Microsoft.Extensions.Logging;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Jobs;

/// <summary>
/// Deletes redemption holds that expired (#17). An authorization of the card deletes its own
/// expired holds too, but a card never authorized again would keep them forever: this sweeps
/// every account's on a TimeProvider timer (each tick one short write transaction).
/// </summary>
internal sealed class HoldSweeper : IAsyncDisposable
{
    private readonly ILoyaltyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _timer;

    public HoldSweeper(ILoyaltyStore store, TimeProvider time, ILogger logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>The run the latest tick started (tests await it after moving the clock).</summary>
    public Task LastTick { get; private set; } = Task.CompletedTask;

    private int _disposed;

    /// <summary>Sweeps every <paramref name="interval"/> from now on.</summary>
    public HoldSweeper Start(TimeSpan interval)
    {
        _timer = _time.CreateTimer(_ => LastTick = TickAsync(), null, interval, interval);
        return this;
    }

    /// <summary>Deletes the holds expired at <paramref name="now"/>; returns how many. Writes only when there are some (a read first).</summary>
    public async Task<int> RunOnceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await _store.ReadAsync((s, ct) => s.AnyExpiredHoldsAsync(now, ct), cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        return await _store.WriteAsync((s, ct) => s.DeleteAllExpiredHoldsAsync(now, ct), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped by the host's hosted service and disposed again with the container.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.WaitAsync().ConfigureAwait(false);
        _running.Dispose();
        _stop.Dispose();
    }

    private async Task TickAsync()
    {
        // Off the timer's thread: a clock moved far ahead at once (a test's fake clock) fires many
        // ticks in a row, and each must cost the firing thread nothing.
        await Task.Yield();

        // A sweep still going when the next tick comes: skip the tick.
        if (!await _running.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var deleted = await RunOnceAsync(_time.GetUtcNow(), _stop.Token).ConfigureAwait(false);
            if (deleted > 0)
            {
                CentralLog.HoldsSwept(_logger, deleted);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            CentralLog.HoldSweepFailed(_logger, ex);
        }
        finally
        {
            _running.Release();
        }
    }
}
