using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Central.Internal.Telemetry;

/// <summary>
/// The central service's instruments (meter <see cref="MeterName"/>), made through an
/// <see cref="IMeterFactory"/>. Names and units follow the OpenTelemetry conventions; docs/operations.md
/// lists them. Ingestion is counted per transaction by outcome and kind, refusals by reason code;
/// the active terminals are those that made an authenticated call to this instance within
/// <see cref="CentralTelemetryOptions.ActiveTerminalWindow"/> (kept in memory, one entry per terminal).
/// </summary>
internal sealed class CentralMetrics
{
    public const string MeterName = "PosAgent.Central";

    internal static readonly IReadOnlyList<double> LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly IReadOnlyList<int> SizeBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly ConcurrentDictionary<string, long> _lastSeen = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private readonly Counter<long> _transactions;
    private readonly Counter<long> _rejections;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _storeWrite;

    public CentralMetrics(IMeterFactory meterFactory, TimeProvider time, TimeSpan activeWindow)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time;
        _window = activeWindow;
        var meter = meterFactory.Create(MeterName);
        Meter = meter;
        var latency = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };
        _transactions = meter.CreateCounter<long>("posagent.central.transactions", "{transaction}", "Terminal transactions ingested, by outcome (applied, duplicate, rejected) and kind.");
        _rejections = meter.CreateCounter<long>("posagent.central.transactions.rejected", "{transaction}", "Transactions refused, by the rejection's reason code.");
        _batchDuration = meter.CreateHistogram("posagent.central.ingestion.batch.duration", "s", "Time to ingest one SubmitTransactions batch (validation, rules, the store write).", advice: latency);
        _batchSize = meter.CreateHistogram("posagent.central.ingestion.batch.size", "{transaction}", "Transactions per SubmitTransactions batch.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = SizeBuckets });
        _storeWrite = meter.CreateHistogram("posagent.central.store.write.duration", "s", "Time of one store write transaction (its retries included), by operation.", advice: latency);
        meter.CreateObservableGauge("posagent.central.terminals.active", ActiveTerminals, "{terminal}", "Terminals that made an authenticated call to this instance within the active window.");
    }

    public Meter Meter { get; }

    /// <summary>One batch ingested (<paramref name="response"/> null when it failed as a whole, with <paramref name="errorType"/>).</summary>
    public void Batch(SubmitTransactionsRequest request, SubmitTransactionsResponse? response, string? errorType, TimeSpan elapsed)
    {
        var tags = errorType is null ? default : new TagList { { "error.type", errorType } };
        _batchDuration.Record(elapsed.TotalSeconds, tags);
        _batchSize.Record(request.Transactions.Count, tags);
        if (response is null)
        {
            return;
        }

        for (var i = 0; i < response.Results.Count && i < request.Transactions.Count; i++)
        {
            var result = response.Results[i];
            _transactions.Add(1, new TagList
            {
                { "posagent.transaction.outcome", Outcome(result.Outcome) },
                { "posagent.transaction.kind", Kind(request.Transactions[i]) },
            });
            if (result.Outcome == TransactionOutcome.Rejected)
            {
                _rejections.Add(1, new KeyValuePair<string, object?>("posagent.rejection.reason", result.Rejection is { Code.Length: > 0 } r ? r.Code : "unknown"));
            }
        }
    }

    public void StoreWrite(string operation, TimeSpan elapsed) =>
        _storeWrite.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("posagent.store.operation", operation));

    /// <summary>A terminal made an authenticated call now.</summary>
    public void TerminalSeen(string terminalId) => _lastSeen[terminalId] = _time.GetUtcNow().UtcTicks;

    private int ActiveTerminals()
    {
        var since = (_time.GetUtcNow() - _window).UtcTicks;
        var active = 0;
        foreach (var (terminal, seen) in _lastSeen)
        {
            if (seen >= since)
            {
                active++;
            }
            else
            {
                // Forgotten once out of the window (a call since then put it back: remove only the value read).
                _lastSeen.TryRemove(new KeyValuePair<string, long>(terminal, seen));
            }
        }

        return active;
    }

    public static string Outcome(TransactionOutcome outcome) => outcome switch
    {
        TransactionOutcome.Applied => "applied",
        TransactionOutcome.Duplicate => "duplicate",
        TransactionOutcome.Rejected => "rejected",
        _ => "unspecified",
    };

    public static string Kind(TerminalTransaction tx) => tx.BodyCase switch
    {
        TerminalTransaction.BodyOneofCase.Sale => "sale",
        TerminalTransaction.BodyOneofCase.Refund => "refund",
        TerminalTransaction.BodyOneofCase.Redemption => "redemption",
        TerminalTransaction.BodyOneofCase.RewardExchange => "reward",
        _ => "unknown",
    };
}
