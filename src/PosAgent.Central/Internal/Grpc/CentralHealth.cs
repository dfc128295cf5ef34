using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// grpc.health.v1 statuses of the central service. The server ("") and both APIs are SERVING while
/// the store answers and NOT_SERVING while it does not: every call of either API needs the store,
/// so a load balancer should send terminals elsewhere. The store is probed (a read by key) every
/// <see cref="CentralOptions.HealthProbeInterval"/>; a probe that fails or takes longer than the
/// interval counts as unreachable. From the moment the service stops, NOT_SERVING. Watch streams
/// see each change (HealthServiceImpl pushes it to them).
/// </summary>
internal sealed class CentralHealth : IHostedLifecycleService, IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Services = ["", "posagent.loyalty.v1.LoyaltyTerminalService", "posagent.loyalty.v1.LoyaltyAdminService"];

    private const string ProbeKey = "health-probe";
    private readonly HealthServiceImpl _health;
    private readonly ILoyaltyStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _probing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _timer;
    private bool? _reachable;
    private int _stopped;
    private string? _reason;

    public CentralHealth(HealthServiceImpl health, ILoyaltyStore store, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _health = health;
        _store = store;
        _time = time;
        _interval = interval;
        _logger = logger;
    }

    /// <summary>
    /// What the HTTP <c>/healthz</c> answers: serving while the store answered its last probe and the
    /// service is not stopping; otherwise why not.
    /// </summary>
    public (bool Serving, string? Reason) State => Volatile.Read(ref _stopped) != 0 ? (false, "the service is stopping") : _reachable == true ? (true, null) : (false, _reason ?? "the store has not answered yet");

    /// <summary>SERVING now (the store was just migrated), then probes on the interval.</summary>
    public void Start()
    {
        Report(reachable: true, reason: null);
        _timer = _time.CreateTimer(_ => _ = ProbeAsync(), null, _interval, _interval);
    }

    /// <summary>SERVING once the store is open (CentralStartup, registered before, has migrated it by now).</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    /// <summary>Before any listener stops: NOT_SERVING, so a Watch sees the service go away before its listener does.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops probing and reports NOT_SERVING (a Watch sees the service go away before its listener does).</summary>
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
        await _probing.WaitAsync().ConfigureAwait(false);
        SetAll(HealthCheckResponse.Types.ServingStatus.NotServing);
        _probing.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// One probe of the store; the status changes only when reachability does. The timer skips a
    /// tick while a probe still runs (a slow store is already being reported); tests wait their turn.
    /// </summary>
    internal async Task ProbeAsync(bool waitForRunningProbe = false)
    {
        if (waitForRunningProbe)
        {
            await _probing.WaitAsync(_stop.Token).ConfigureAwait(false);
        }
        else if (!await _probing.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            using var slow = new CancellationTokenSource(_interval, _time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(slow.Token, _stop.Token);
            try
            {
                // A lookup by key in a real table: it needs a connection, a transaction and a read, as every call does.
                // (GetSchemaVersionAsync would not do: it reads an unreadable database as version 0.)
                await _store.ReadAsync((session, ct) => session.GetCredentialAsync(ProbeKey, ct), timeout.Token).ConfigureAwait(false);
                Report(reachable: true, reason: null);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                Report(reachable: false, reason: ex is OperationCanceledException ? $"no answer within {_interval}" : ex.Message);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            _probing.Release();
        }
    }

    private void Report(bool reachable, string? reason)
    {
        if (_reachable == reachable)
        {
            return;
        }

        _reason = reason;
        _reachable = reachable;
        if (reachable)
        {
            CentralLog.StoreReachable(_logger);
        }
        else
        {
            CentralLog.StoreUnreachable(_logger, reason ?? string.Empty);
        }

        SetAll(reachable ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    private void SetAll(HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in Services)
        {
            _health.SetStatus(service, status);
        }
    }
}
