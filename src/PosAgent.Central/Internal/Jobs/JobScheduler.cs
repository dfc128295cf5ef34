using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PosAgent.Central.Internal.Jobs;

/// <summary>
/// Runs every job as of now at a fixed interval (TimeProvider timer); each period is done at most
/// once. A hosted service: the timer starts with the host (not at all when the interval is zero)
/// and a stop waits for the run in progress, which sees its cancellation.
/// </summary>
internal sealed class JobScheduler : IHostedService, IAsyncDisposable
{
    private readonly JobRunner _jobs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private ITimer? _timer;
    private int _stopped;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly CancellationTokenSource _stop = new();

    public JobScheduler(JobRunner jobs, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _jobs = jobs;
        _time = time;
        _logger = logger;
        _interval = interval;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_interval > TimeSpan.Zero)
        {
            _timer = _time.CreateTimer(_ => _ = RunAsync(), null, _interval, _interval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask().WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
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
