using Microsoft.Extensions.Logging;

namespace PosAgent.Central.Internal.Jobs;

/// <summary>Runs every job as of now at a fixed interval (TimeProvider timer); each period is done at most once.</summary>
internal sealed class JobScheduler : IAsyncDisposable
{
    private readonly JobRunner _jobs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly CancellationTokenSource _stop = new();

    public JobScheduler(JobRunner jobs, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _jobs = jobs;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => _ = RunAsync(), null, interval, interval);
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.WaitAsync().ConfigureAwait(false);
        _running.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        // A run still going when the next tick comes: skip the tick.
        if (!await _running.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await _jobs.RunAsync("all", _time.GetUtcNow(), _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            CentralLog.SchedulerFailed(_logger, ex);
        }
        finally
        {
            _running.Release();
        }
    }
}
