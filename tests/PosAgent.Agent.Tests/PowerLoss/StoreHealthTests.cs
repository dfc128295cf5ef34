using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Hosting;
using PosAgent.TestSupport;
using PosAgent.TestSupport.PowerLoss;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>
/// The agent's health follows its store when the disk fails mid-run (#16): the agent's data
/// folder is on the project's FUSE filesystem, which is told to fail every write and fsync with
/// ENOSPC (disk full) or EIO (a failing disk) and later to work again. A commit then fails with
/// UNAVAILABLE; "" (overall), the selling services and "posagent.store" turn NOT_SERVING on a
/// grpc-dotnet Watch and for Debian's python3-grpcio; the devices' statuses stay; once the disk
/// works the agent's own probe write commits and everything is SERVING again. One log line each way.
/// </summary>
[Collection(PowerLossCollection.Name)]
public sealed class StoreHealthTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();
    private readonly FakeLogCollector _logs = new();
    private ILoggerFactory _loggers = null!;
    private LazyFsMount _fs = null!;

    public async Task InitializeAsync()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)));
        _fs = await LazyFsMount.MountAsync();
    }

    public async Task DisposeAsync()
    {
        await _fs.DisposeAsync();
        _loggers.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("ENOSPC")]
    [InlineData("EIO")]
    public async Task StoreWritesFailMidRun_CommitUnavailableHealthNotServing_DiskBack_ServingAgain_OneLogLineEachWay(string errno)
    {
        await using var agent = await TestAgent.StartAsync(_dir, o =>
        {
            o.DataDirectory = _fs.File("agent");
            o.SocketPath = _dir.File("agent.sock");
            o.StoreProbeInterval = TimeSpan.FromMilliseconds(100);
        }, loggerFactory: _loggers);
        using var channel = GrpcChannels.ForUnixSocket(agent.Host.SocketPath!);
        var health = new Health.HealthClient(channel);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var overall = new HealthWatch(health, string.Empty, cts.Token);
        await using var store = new HealthWatch(health, "posagent.store", cts.Token);
        await overall.WaitForAsync(ServingStatus.Serving, EventTimeout);
        await store.WaitForAsync(ServingStatus.Serving, EventTimeout);
        await CommitAsync(agent.Client, await OpenAsync(agent.Client));
        var check = await OpenAsync(agent.Client);

        await _fs.FailWritesAsync(errno);
        var refused = await Assert.ThrowsAsync<RpcException>(() => CommitAsync(agent.Client, check)).WithTimeout();

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("the agent's database cannot be written", refused.Status.Detail, StringComparison.Ordinal);
        await overall.WaitForAsync(ServingStatus.NotServing, EventTimeout);
        await store.WaitForAsync(ServingStatus.NotServing, EventTimeout);
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(health, "posagent.v1.Checks"));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(health, "posagent.devices"));
        Assert.Equal(["HEALTH - 0802", "HEALTH posagent.store 0802"], await PythonHealthAsync(agent.Host.SocketPath!));
        // Failing again (and the probes failing meanwhile) is not news: no second line, no flapping.
        await Assert.ThrowsAsync<RpcException>(() => OpenAsync(agent.Client)).WithTimeout();

        await _fs.HealAsync();

        await overall.WaitForAsync(ServingStatus.Serving, EventTimeout);
        await store.WaitForAsync(ServingStatus.Serving, EventTimeout);
        Assert.Equal(["HEALTH - 0801", "HEALTH posagent.store 0801"], await PythonHealthAsync(agent.Host.SocketPath!));
        var retried = await CommitAsync(agent.Client, check);
        Assert.NotEmpty(retried.OperationId);
        var logs = _logs.GetSnapshot();
        var failing = Assert.Single(logs, r => r.Id.Id == 60);
        Assert.Equal(LogLevel.Error, failing.Level);
        Assert.Contains("cannot be written", failing.Message, StringComparison.Ordinal);
        Assert.Single(logs, r => r.Id.Id == 61);
    }

    private static async Task<Check> OpenAsync(LocalApiClient client)
    {
        var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        return await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
    }

    private static async Task<CommitResponse> CommitAsync(LocalApiClient client, Check check) =>
        await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor } }).WithTimeout();

    private static async Task<ServingStatus> CheckAsync(Health.HealthClient health, string service) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = service }).ResponseAsync.WithTimeout()).Status;

    /// <summary>Debian's python3-grpcio asks for "" and "posagent.store" (tests/interop/health_check.py).</summary>
    private static async Task<string[]> PythonHealthAsync(string socket)
    {
        var run = await ForeignProcess.RunAsync("/usr/bin/python3", [Path.Combine(Repo.Root, "tests", "interop", "health_check.py"), "--socket", socket, string.Empty, "posagent.store"]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
