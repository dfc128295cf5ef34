using Grpc.Core;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Telemetry;

/// <summary>
/// The agent's opt-in Prometheus endpoint on loopback, scraped for real over Kestrel and parsed by
/// Debian's python3-prometheus-client: commits, refusals and quotes move the counters by exactly
/// the calls made; the endpoint is not served on the local API's own port.
/// </summary>
public sealed class AgentMetricsTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await TestAgent.StartAsync(_dir, o =>
    {
        o.Telemetry.MetricsPort = 0;
        o.TcpPort = 0;
    });

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task MetricsPort_CommitsRefusalAndQuotes_ScrapeMovesByExactlyThem()
    {
        var url = _agent.Host.MetricsAddress;
        Assert.NotNull(url);
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
        var before = await PrometheusScrape.ScrapeAsync(url);
        var client = _agent.Client;

        for (var i = 0; i < 3; i++)
        {
            var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
            await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 10_000, Quantity = 1 }).WithTimeout();
            await client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId }).WithTimeout();
            await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 10_000 } }).WithTimeout();
        }

        var wrong = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await client.AddLineAsync(new AddLineRequest { CheckId = wrong.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 10_000, Quantity = 1 }).WithTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.CommitAsync(new CommitRequest { CheckId = wrong.CheckId, Payment = new PaymentSplit { CashMinor = 9_000 } }).WithTimeout());
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);

        var after = await PrometheusScrape.ScrapeAsync(url);
        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        Assert.True(after.Has("posagent_agent_commits_total"), after.Describe());
        Assert.True(Delta("posagent_agent_commits_total", ("posagent_operation_kind", "sale"), ("posagent_offline", "true")) == 3, after.Describe());
        Assert.Equal(1, Delta("posagent_agent_commits_total", ("posagent_operation_kind", "sale"), ("error_type", "InvalidArgument")));
        Assert.Equal(4, Delta("posagent_agent_commit_duration_seconds_count"));
        Assert.Equal(3, Delta("posagent_agent_quotes_total"));
        Assert.Equal(3, Delta("posagent_agent_quote_duration_seconds_count"));
        // No central service configured: every sale is an offline estimate, the link reads not_configured.
        Assert.Equal(1, after.Sum("posagent_agent_circuit_state", ("posagent_connectivity_state", "not_configured")));
        Assert.Equal(0, after.Sum("posagent_agent_circuit_state", ("posagent_connectivity_state", "offline")));
        Assert.True(after.Has("posagent_agent_outbox_pending"), after.Describe());
        Assert.True(after.Has("posagent_agent_outbox_oldest_pending_age_seconds"), after.Describe());
        Assert.Equal(0, after.Sum("posagent_agent_offline_exposure_points"));
        Assert.Equal(1, after.Sum("posagent_agent_device_status", ("posagent_device_name", "printer"), ("posagent_device_state", "not_configured")));
    }

    [Fact]
    public async Task MetricsPort_LocalApiPort_DoesNotServeMetrics()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(_agent.Host.TcpAddress + "/metrics")).WithTimeout();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.NotFound, $"{_agent.Host.TcpAddress} vs {_agent.Host.MetricsAddress}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task MetricsPort_NotSet_NoEndpoint()
    {
        await using var quiet = await TestAgent.StartAsync(_dir, o => o.DataDirectory = _dir.File("quiet"));
        Assert.Null(quiet.Host.MetricsAddress);
    }
}
