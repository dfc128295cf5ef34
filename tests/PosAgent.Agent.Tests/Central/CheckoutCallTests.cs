using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PosAgent.Agent.Internal;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;
using ConnectivityState = PosAgent.Contracts.PosAgent.V1.ConnectivityState;

namespace PosAgent.Agent.Tests.Central;

/// <summary>
/// A checkout's online call (card snapshot, redemption) once the breaker is open: it must not
/// reach the network at all, so no cashier waits on a central service known to be down. Counted
/// calls, not timings, prove it.
/// </summary>
public sealed class CheckoutCallTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SyncOptions _options = new() { BreakMinimumThroughput = 2, BreakFailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task TryCall_CentralDown_BreakerOpensThenNoCallReachesTheClient()
    {
        var connectivity = new Connectivity(_time, configured: true);
        var gateway = new CentralGateway(new ScriptedCentral(), _options, connectivity, _time, NullLogger.Instance);
        var calls = 0;
        Task<CardSnapshot> Down(ICentralClient client, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            throw new RpcException(new Status(StatusCode.Unavailable, "connection refused"));
        }

        for (var i = 0; i < 5 && connectivity.State != ConnectivityState.Offline; i++)
        {
            var (answered, _, _) = await gateway.TryCallAsync(Down, TimeSpan.FromSeconds(1), CancellationToken.None).WithTimeout();
            Assert.False(answered);
        }

        Assert.Equal(ConnectivityState.Offline, connectivity.State);
        var callsWhenOpened = calls;

        for (var i = 0; i < 30; i++)
        {
            var (answered, _, reason) = await gateway.TryCallAsync(Down, TimeSpan.FromSeconds(1), CancellationToken.None).WithTimeout();
            Assert.False(answered);
            Assert.Equal("offline", reason);
        }

        Assert.Equal(callsWhenOpened, calls);
    }
}
