using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Agent.Internal;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;
using ConnectivityState = PosAgent.Contracts.PosAgent.V1.ConnectivityState;

namespace PosAgent.Agent.Tests.Central;

/// <summary>
/// Which refusals of the real central service count as connectivity faults (#17, section 3): a
/// message over the size limit or a bad argument says nothing about the link, so it must never
/// open the circuit breaker and put the lane offline; an unreachable central must.
/// </summary>
[Collection("survival")]
public sealed class StatusClassificationTests : IAsyncLifetime
{
    private const int Calls = 12;
    private readonly TempDirectory _dir = new();
    private readonly SyncOptions _options = new() { BreakMinimumThroughput = 2, BreakFailureRatio = 0.5, BreakSamplingDuration = TimeSpan.FromMinutes(10), BreakDuration = TimeSpan.FromMinutes(10), AttemptTimeout = TimeSpan.FromSeconds(20) };
    private CentralFixture _central = null!;
    private string _card = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        _card = TestCards.Csm(1701);
        await _central.RegisterAsync(_card);
    }

    public async Task DisposeAsync()
    {
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<(CentralGateway Gateway, Connectivity Connectivity, GrpcCentralClient Client)> CreateSutAsync(int? maxReceiveMessageSize = null)
    {
        var client = new GrpcCentralClient(_central.Address, await _central.TokenAsync("lane-17"), null, maxReceiveMessageSize);
        var connectivity = new Connectivity(TimeProvider.System, configured: true);
        return (new CentralGateway(client, _options, connectivity, TimeProvider.System, NullLogger.Instance), connectivity, client);
    }

    [Fact]
    public async Task CardLookup_AnswerOverTheMessageSizeLimit_RefusedAsResourceExhaustedWithoutOpeningTheBreaker()
    {
        // 64 bytes: every snapshot of the real central is larger, so the client refuses each answer.
        var (gateway, connectivity, client) = await CreateSutAsync(maxReceiveMessageSize: 64);
        using var _ = client;

        for (var i = 0; i < Calls; i++)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => gateway.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = _card }, ct), TimeSpan.FromSeconds(20), CancellationToken.None).WithTimeout());
            Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
            Assert.Equal(FailureKind.Permanent, CentralGateway.Classify(ex));
        }

        Assert.True(connectivity.MayCallCentral);
        Assert.NotEqual(ConnectivityState.Offline, connectivity.State);
        var small = await gateway.TryCallAsync((c, ct) => c.PullChangesAsync(new PullChangesRequest { AfterCursor = long.MaxValue - 1, MaxChanges = 1 }, ct), TimeSpan.FromSeconds(20), CancellationToken.None).WithTimeout();
        Assert.True(small.Answered, small.Reason);
    }

    [Fact]
    public async Task CardLookup_InvalidArgumentFromCentral_NeverOpensTheBreaker()
    {
        var (gateway, connectivity, client) = await CreateSutAsync();
        using var _ = client;

        for (var i = 0; i < Calls; i++)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => gateway.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = "not-a-card" }, ct), TimeSpan.FromSeconds(20), CancellationToken.None).WithTimeout());
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        }

        Assert.True(connectivity.MayCallCentral);
        var snapshot = await gateway.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = _card }, ct), TimeSpan.FromSeconds(20), CancellationToken.None).WithTimeout();
        Assert.True(snapshot.Answered, snapshot.Reason);
        Assert.Equal(_card, snapshot.Value!.CardNumber);
    }

    [Fact]
    public async Task CardLookup_CentralStopped_OpensTheBreakerAndGoesOffline()
    {
        var (gateway, connectivity, client) = await CreateSutAsync();
        using var _ = client;
        await _central.StopAsync();

        for (var i = 0; i < Calls && connectivity.MayCallCentral; i++)
        {
            var answer = await gateway.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = _card }, ct), TimeSpan.FromSeconds(20), CancellationToken.None).WithTimeout();
            Assert.False(answer.Answered);
        }

        Assert.Equal(ConnectivityState.Offline, connectivity.State);
    }

    [Theory]
    [InlineData("Received message exceeds the maximum configured message size.", false)]
    [InlineData("Sending message exceeds the maximum configured message size.", false)]
    [InlineData("Received message larger than max (4700000 vs. 4194304)", false)]
    [InlineData("terminal 'lane-1' exceeded its rate limit; retry after a back-off", true)]
    public void Classify_ResourceExhausted_MessageSizeIsPermanentRateLimitIsTransient(string detail, bool transient) =>
        Assert.Equal(transient ? FailureKind.Transient : FailureKind.Permanent, CentralGateway.Classify(new RpcException(new Status(StatusCode.ResourceExhausted, detail))));
}
