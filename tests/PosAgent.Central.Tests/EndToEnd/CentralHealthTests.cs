using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;
using PosAgent.Central.Tests.Support;
using PosAgent.Hosting;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// grpc.health.v1 of the central service follows its store: a PostgreSQL database that stops
/// accepting connections (ALLOW_CONNECTIONS false, its sessions terminated) turns the service
/// NOT_SERVING on the next probe, and back to SERVING once connections are allowed again; a Watch
/// stream sees both changes.
/// </summary>
public sealed class CentralHealthTests(PostgresStoreProvider provider) : IClassFixture<PostgresStoreProvider>, IAsyncLifetime
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMinutes(1);
    private CentralHarness _central = null!;
    private GrpcChannel _channel = null!;

    private string Database => new NpgsqlConnectionStringBuilder(provider.Connection).Database!;

    public async Task InitializeAsync()
    {
        _central = await CentralHarness.StartAsync(provider.Connection, configure: o => o.HealthProbeInterval = ProbeInterval);
        _channel = GrpcChannels.ForAddress(_central.Address);
    }

    public async Task DisposeAsync()
    {
        await SetConnectionsAllowedAsync(true);
        _channel.Dispose();
        await _central.DisposeAsync();
    }

    [Fact]
    public async Task StoreUnreachable_WatchSeesNotServing_ThenServingWhenItIsBack()
    {
        var health = new Health.HealthClient(_channel);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var watch = health.Watch(new HealthCheckRequest { Service = "" }, cancellationToken: cts.Token);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await NextStatusAsync(watch));

        await SetConnectionsAllowedAsync(false);
        _central.Time.Advance(ProbeInterval);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await NextStatusAsync(watch));
        var terminalApi = await health.CheckAsync(new HealthCheckRequest { Service = "posagent.loyalty.v1.LoyaltyTerminalService" }).ResponseAsync.WithTimeout();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, terminalApi.Status);

        await SetConnectionsAllowedAsync(true);
        var next = NextStatusAsync(watch);
        // Each probe may first meet one of the pool's connections the server closed (and drop it): probe until one gets through.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!next.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the store never became reachable again");
            await _central.Server.Health.ProbeAsync(waitForRunningProbe: true).WithTimeout();
        }

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await next);
        var adminApi = await health.CheckAsync(new HealthCheckRequest { Service = "posagent.loyalty.v1.LoyaltyAdminService" }).ResponseAsync.WithTimeout();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, adminApi.Status);
    }

    [Fact]
    public async Task Healthz_StoreUnreachable_503WithReason_Then200WhenItIsBack()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(_central.Address + "/healthz");
        using (var serving = await http.GetAsync(url).WithTimeout())
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, serving.StatusCode);
            Assert.Equal("serving\n", await serving.Content.ReadAsStringAsync());
        }

        await SetConnectionsAllowedAsync(false);
        await _central.Server.Health.ProbeAsync(waitForRunningProbe: true).WithTimeout();
        using (var failing = await http.GetAsync(url).WithTimeout())
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, failing.StatusCode);
            Assert.StartsWith("not serving: ", await failing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The gRPC health service says the same.
        var grpc = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest { Service = "" }).ResponseAsync.WithTimeout();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, grpc.Status);

        await SetConnectionsAllowedAsync(true);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_central.Server.Health.State.Serving is false)
        {
            Assert.True(DateTime.UtcNow < deadline, "the store never became reachable again");
            await _central.Server.Health.ProbeAsync(waitForRunningProbe: true).WithTimeout();
        }

        using var back = await http.GetAsync(url).WithTimeout();
        Assert.Equal(System.Net.HttpStatusCode.OK, back.StatusCode);
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> NextStatusAsync(AsyncServerStreamingCall<HealthCheckResponse> watch)
    {
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None).WithTimeout(), "the Watch stream ended");
        return watch.ResponseStream.Current.Status;
    }

    /// <summary>Refuses (and ends) or allows again every session of the test's database, as a DBA or a network cut would.</summary>
    private async Task SetConnectionsAllowedAsync(bool allowed)
    {
        await using var admin = new NpgsqlConnection(PostgresStoreProvider.ServerConnection);
        await admin.OpenAsync().WithTimeout();
        await using (var alter = new NpgsqlCommand($"ALTER DATABASE {Database} WITH ALLOW_CONNECTIONS {(allowed ? "true" : "false")}", admin))
        {
            await alter.ExecuteNonQueryAsync().WithTimeout();
        }

        if (!allowed)
        {
            await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin);
            terminate.Parameters.AddWithValue("db", Database);
            await terminate.ExecuteScalarAsync().WithTimeout();
            // pg_terminate_backend only signals: wait until the sessions are gone, so the probe cannot still use one.
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db", admin);
            count.Parameters.AddWithValue("db", Database);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while ((long)(await count.ExecuteScalarAsync().WithTimeout())! > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the database's sessions did not end");
            }
        }
    }
}
