using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// The central service's Prometheus endpoint, scraped for real over Kestrel on loopback (HTTP/1.1 on
/// the gRPC port) and parsed by Debian's python3-prometheus-client: the numbers move by exactly what
/// the calls made between two scrapes did.
/// </summary>
public sealed class CentralMetricsTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-central-metrics-");
    private CentralHarness _h = null!;

    private string MetricsUrl => _h.Address + "/metrics";

    private DateTimeOffset Now => _h.Time.GetUtcNow();

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(_dir.File("central.db"));

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Metrics_SalesDuplicateAndRejection_ScrapeMovesByExactlyWhatWasIngested()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var before = await PrometheusScrape.ScrapeAsync(MetricsUrl);

        var sales = Enumerable.Range(0, 3).Select(i => Tx.Sale(card, Now.AddMinutes(-10 + i), cashMinor: 100_000)).ToArray();
        var first = await _h.Terminal.SubmitAsync(sales).WithTimeout();
        Assert.All(first.Results, r => Assert.Equal(TransactionOutcome.Applied, r.Outcome));
        var again = await _h.Terminal.SubmitAsync(sales[0], Tx.Sale("2601000000000", Now.AddMinutes(-1), cashMinor: 5_000)).WithTimeout();
        Assert.Equal(TransactionOutcome.Duplicate, again.Results[0].Outcome);
        Assert.Equal(TransactionOutcome.Rejected, again.Results[1].Outcome);
        var reason = again.Results[1].Rejection.Code;

        var after = await PrometheusScrape.ScrapeAsync(MetricsUrl);
        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        Assert.True(after.Has("posagent_central_transactions_total"), after.Describe());
        Assert.Equal(3, Delta("posagent_central_transactions_total", ("posagent_transaction_outcome", "applied"), ("posagent_transaction_kind", "sale")));
        Assert.Equal(1, Delta("posagent_central_transactions_total", ("posagent_transaction_outcome", "duplicate")));
        Assert.Equal(1, Delta("posagent_central_transactions_total", ("posagent_transaction_outcome", "rejected")));
        Assert.Equal(1, Delta("posagent_central_transactions_rejected_total", ("posagent_rejection_reason", reason)));
        Assert.Equal(2, Delta("posagent_central_ingestion_batch_duration_seconds_count"));
        Assert.Equal(5, Delta("posagent_central_ingestion_batch_size_sum"));
        Assert.Equal(2, Delta("posagent_central_store_write_duration_seconds_count", ("posagent_store_operation", "ingest")));
        // The harness's one terminal ("lane-1") called within the window; the admin does not count.
        Assert.Equal(1, after.Sum("posagent_central_terminals_active"));
    }

    [Fact]
    public async Task ActiveTerminals_QuietLongerThanTheWindow_NoLongerCounted()
    {
        using var collector = new MetricCollector<int>(_h.Server.Metrics.Meter, "posagent.central.terminals.active");
        await _h.RegisterAsync("INV-KZ");

        collector.RecordObservableInstruments();
        Assert.Equal(1, collector.LastMeasurement!.Value);

        _h.Time.Advance(new CentralTelemetryOptions().ActiveTerminalWindow + TimeSpan.FromSeconds(1));
        collector.RecordObservableInstruments();
        Assert.Equal(0, collector.LastMeasurement!.Value);
    }

    [Fact]
    public async Task Metrics_Disabled_NotServed()
    {
        await using var quiet = await CentralHarness.StartAsync(_dir.File("quiet.db"), configure: o => o.Telemetry.PrometheusEnabled = false);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(quiet.Address + "/metrics")).WithTimeout();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
