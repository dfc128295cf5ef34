using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Hosting;
using PosAgent.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PosAgent.Agent.Tests.Devices;

/// <summary>
/// grpc.health.v1 of the agent follows its devices, with the simulator's scanner and printer on
/// real pseudo-terminals: unplugging the scanner turns "posagent.devices.scanner" and
/// "posagent.devices" NOT_SERVING on a Watch stream while the selling services stay SERVING (the
/// lane still sells), and plugging it back turns them SERVING again.
/// </summary>
[Collection(DeviceTimingCollection.Name)]
public sealed class DeviceHealthTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private readonly SimulatedLane _lane = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lane.DisposeAsync().AsTask();

    [Fact]
    public async Task ScannerUnplugged_WatchSeesDevicesNotServing_SellingStaysServing_ReplugServingAgain()
    {
        await using var agent = await TestAgent.StartAsync(_lane.Directory, _lane.Configure);
        using var channel = GrpcChannels.ForUnixSocket(agent.Host.SocketPath!);
        var health = new Health.HealthClient(channel);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var scanner = new HealthWatch(health, "posagent.devices.scanner", cts.Token);
        await using var devices = new HealthWatch(health, "posagent.devices", cts.Token);
        await scanner.WaitForAsync(ServingStatus.Serving, EventTimeout);
        await devices.WaitForAsync(ServingStatus.Serving, EventTimeout);

        _lane.Scanner.Unplug();

        await scanner.WaitForAsync(ServingStatus.NotServing, EventTimeout);
        await devices.WaitForAsync(ServingStatus.NotServing, EventTimeout);
        Assert.Equal(ServingStatus.Serving, await CheckAsync(health, ""));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(health, "posagent.v1.Checks"));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(health, "posagent.devices.printer"));
        // What health says, the status says: the lane still sells.
        var check = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        Assert.NotEmpty(check.CheckId);

        _lane.Scanner.Replug();

        await scanner.WaitForAsync(ServingStatus.Serving, EventTimeout);
        await devices.WaitForAsync(ServingStatus.Serving, EventTimeout);
    }

    [Fact]
    public async Task NoDeviceConfigured_DevicesServing_EachDeviceUnknown()
    {
        await using var agent = await TestAgent.StartAsync(_lane.Directory);
        using var channel = GrpcChannels.ForUnixSocket(agent.Host.SocketPath!);
        var health = new Health.HealthClient(channel);

        Assert.Equal(ServingStatus.Serving, await CheckAsync(health, "posagent.devices"));
        Assert.Equal(ServingStatus.Serving, await CheckAsync(health, ""));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(health, "posagent.devices.printer"));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<ServingStatus> CheckAsync(Health.HealthClient health, string service) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = service }).ResponseAsync.WithTimeout()).Status;
}
