using Microsoft.Extensions.Logging;
using PosAgent.Agent.Internal.Api;

namespace PosAgent.Agent.Internal.Storage;

/// <summary>
/// Follows <see cref="StoreHealth"/>: on each transition one log line and the health statuses
/// (<see cref="AgentHealth.StoreWritable"/>); while the store fails, a probe write every
/// <c>StoreProbeInterval</c> so recovery shows without waiting for a sale.
/// </summary>
internal sealed class StoreWatch : IDisposable
{
    private readonly AgentStore _store;
    private readonly AgentHealth _health;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _failed = new(0, 1);
    private DateTimeOffset _failingSince;

    public StoreWatch(AgentStore store, AgentHealth health, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _store = store;
        _health = health;
        _interval = interval;
        _time = time;
        _logger = logger;
        store.Health.Changed += OnChanged;
    }

    /// <summary>Probes while the store fails, until <paramref name="cancellationToken"/> (the agent stops).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _failed.WaitAsync(cancellationToken).ConfigureAwait(false);
                while (_store.Health.Failing)
                {
                    await Task.Delay(_interval, _time, cancellationToken).ConfigureAwait(false);
                    _store.Probe();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent stops.
        }
    }

    public void Dispose()
    {
        _store.Health.Changed -= OnChanged;
        _failed.Dispose();
    }

    private void OnChanged(bool failing, string? error)
    {
        if (failing)
        {
            _failingSince = _time.GetUtcNow();
            AgentLog.StoreFailing(_logger, error ?? "unknown error", _interval);
            _health.StoreWritable(false);
            if (_failed.CurrentCount == 0)
            {
                _failed.Release();
            }
        }
        else
        {
            AgentLog.StoreRecovered(_logger, _time.GetUtcNow() - _failingSince);
            _health.StoreWritable(true);
        }
    }
}
