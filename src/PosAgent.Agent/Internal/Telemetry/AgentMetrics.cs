using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using PosAgent.Agent.Internal.Api;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.PosAgent.V1;
using ConnectivityState = PosAgent.Contracts.PosAgent.V1.ConnectivityState;

namespace PosAgent.Agent.Internal.Telemetry;

/// <summary>
/// The agent's instruments (meter <see cref="MeterName"/>), made through an <see cref="IMeterFactory"/>
/// as ASP.NET Core makes its own, so each host has its meter and tests can collect one host's
/// measurements. Names and units follow the OpenTelemetry conventions (seconds, <c>{unit}</c>
/// annotations, <c>error.type</c>, <c>rpc.grpc.status_code</c>); docs/operations.md lists them.
/// Counters and histograms are recorded where things happen (checkout, sync); the state of the
/// outbox, the offline exposure, the circuit and the devices is read when a reader collects
/// (<see cref="Observe"/>), from counts the store keeps in memory or one indexed query.
/// </summary>
internal sealed class AgentMetrics
{
    public const string MeterName = "PosAgent.Agent";

    /// <summary>Latency buckets for calls that take from a fraction of a millisecond (a quote) to seconds (a sale waiting for the central service).</summary>
    internal static readonly IReadOnlyList<double> LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly Counter<long> _commits;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _quotes;
    private readonly Histogram<double> _quoteDuration;
    private readonly Counter<long> _syncBatches;
    private readonly Histogram<double> _syncDuration;
    private readonly Counter<long> _syncOperations;

    public AgentMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        var latency = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };
        _commits = _meter.CreateCounter<long>("posagent.agent.commits", "{operation}", "Operations the local API committed (sales, refunds), or refused with error.type.");
        _commitDuration = _meter.CreateHistogram("posagent.agent.commit.duration", "s", "Time from a commit call to its answer, success or refusal.", advice: latency);
        _quotes = _meter.CreateCounter<long>("posagent.agent.quotes", "{quote}", "Quotes answered (points to earn and spendable), or refused with error.type.");
        _quoteDuration = _meter.CreateHistogram("posagent.agent.quote.duration", "s", "Time to answer a quote.", advice: latency);
        _syncBatches = _meter.CreateCounter<long>("posagent.agent.sync.batches", "{batch}", "Outbox batches sent to the central service, by gRPC status (error.type names a failure).");
        _syncDuration = _meter.CreateHistogram("posagent.agent.sync.batch.duration", "s", "Time of one SubmitTransactions batch, retries included.", advice: latency);
        _syncOperations = _meter.CreateCounter<long>("posagent.agent.sync.operations", "{operation}", "Outbox operations answered by the central service: synced, or parked (refused).");
    }

    public Meter Meter => _meter;

    /// <summary>A commit answered: <paramref name="errorType"/> is null on success, else the refusal's status (e.g. "FailedPrecondition").</summary>
    public void Commit(string kind, bool offline, string? errorType, TimeSpan elapsed)
    {
        var tags = new TagList { { "posagent.operation.kind", kind } };
        if (errorType is null)
        {
            tags.Add("posagent.offline", offline);
        }
        else
        {
            tags.Add("error.type", errorType);
        }

        _commits.Add(1, tags);
        _commitDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void Quote(string? errorType, TimeSpan elapsed)
    {
        var tags = errorType is null ? default : new TagList { { "error.type", errorType } };
        _quotes.Add(1, tags);
        _quoteDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>
    /// One batch's call ended: <paramref name="status"/> is the gRPC status (null when no call was made,
    /// e.g. the circuit was open), <paramref name="errorType"/> null on success.
    /// </summary>
    public void SyncBatch(StatusCode? status, string? errorType, TimeSpan elapsed)
    {
        var tags = default(TagList);
        if (status is { } code)
        {
            tags.Add("rpc.grpc.status_code", (int)code);
        }

        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        _syncBatches.Add(1, tags);
        _syncDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void SyncOperations(int synced, int parked)
    {
        if (synced > 0)
        {
            _syncOperations.Add(synced, new KeyValuePair<string, object?>("posagent.sync.outcome", "synced"));
        }

        if (parked > 0)
        {
            _syncOperations.Add(parked, new KeyValuePair<string, object?>("posagent.sync.outcome", "parked"));
        }
    }

    /// <summary>The error.type of a refusal: the gRPC status it becomes at the API, else the exception's type name.</summary>
    public static string ErrorType(Exception ex) => ex switch
    {
        ApiError api => api.Code.ToString(),
        RpcException rpc => rpc.StatusCode.ToString(),
        OperationCanceledException => "Cancelled",
        _ => ex.GetType().Name,
    };

    /// <summary>
    /// Registers the gauges that read the agent's state when collected. Reading a disposed store
    /// (the agent stopping) reports nothing rather than failing the scrape.
    /// </summary>
    public void Observe(AgentStore store, Connectivity connectivity, DeviceBoard devices, Func<int?> printQueueDepth, TimeProvider time)
    {
        _meter.CreateObservableGauge("posagent.agent.outbox.pending", () => Read(() => Single(store.CountOutbox().Pending)), "{operation}", "Operations committed here and not yet answered by the central service.");
        _meter.CreateObservableGauge("posagent.agent.outbox.parked", () => Read(() => Single(store.CountOutbox().Parked)), "{operation}", "Operations the central service refused, kept for an operator.");
        _meter.CreateObservableGauge("posagent.agent.outbox.oldest_pending.age", () => Read(() =>
            Single(store.CountOutbox().OldestPending is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0d)), "s", "Age of the oldest pending operation (0 when the outbox is drained).");
        _meter.CreateObservableGauge("posagent.agent.offline.exposure.points", () => Read(() => Single(store.OfflineExposure().Points)), "{point}", "Points spent offline here that the central service has not confirmed yet (the risk the offline allowance bounds).");
        _meter.CreateObservableGauge("posagent.agent.offline.exposure.cards", () => Read(() => Single(store.OfflineExposure().Cards)), "{card}", "Cards with points spent offline not yet confirmed.");
        _meter.CreateObservableGauge("posagent.agent.offline.overspent.points", () => Read(() => Single(store.OfflineExposure().Overspent)), "{point}", "Points spent offline that the central service found were not there (loss kept in the outbox's retention).");
        _meter.CreateObservableGauge("posagent.agent.circuit.state", () => States(connectivity.State), "{state}", "1 for the link's current state (online, degraded, offline = circuit open, not_configured), 0 for the others.");
        _meter.CreateObservableGauge("posagent.agent.device.status", () => Devices(devices.All), "{state}", "1 for each device's current state (connected, disconnected, not_ready, error, not_configured).");
        _meter.CreateObservableGauge("posagent.agent.print_queue.depth", () => Read(() => printQueueDepth() is { } depth ? Single(depth) : []), "{job}", "Receipts queued for the printer and not yet printed.");
    }

    private static IEnumerable<Measurement<T>> Read<T>(Func<IEnumerable<Measurement<T>>> read)
        where T : struct
    {
        try
        {
            return read();
        }
        catch (ObjectDisposedException)
        {
            return [];
        }
    }

    private static Measurement<T>[] Single<T>(T value)
        where T : struct => [new Measurement<T>(value)];

    private static readonly (ConnectivityState State, string Name)[] LinkStates =
    [
        (ConnectivityState.Online, "online"),
        (ConnectivityState.Degraded, "degraded"),
        (ConnectivityState.Offline, "offline"),
        (ConnectivityState.NotConfigured, "not_configured"),
    ];

    private static readonly (DeviceState State, string Name)[] DeviceStates =
    [
        (DeviceState.Connected, "connected"),
        (DeviceState.Disconnected, "disconnected"),
        (DeviceState.NotReady, "not_ready"),
        (DeviceState.Error, "error"),
        (DeviceState.NotConfigured, "not_configured"),
    ];

    private static IEnumerable<Measurement<int>> States(ConnectivityState current) =>
        LinkStates.Select(s => new Measurement<int>(s.State == current ? 1 : 0, new KeyValuePair<string, object?>("posagent.connectivity.state", s.Name)));

    private static IEnumerable<Measurement<int>> Devices(IReadOnlyList<DeviceStatus> devices)
    {
        foreach (var device in devices)
        {
            foreach (var (state, name) in DeviceStates)
            {
                yield return new Measurement<int>(
                    device.State == state ? 1 : 0,
                    new KeyValuePair<string, object?>("posagent.device.name", device.Name),
                    new KeyValuePair<string, object?>("posagent.device.state", name));
            }
        }
    }
}
