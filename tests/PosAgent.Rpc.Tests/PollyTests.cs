using Polly;
using Polly.Retry;
using Polly.Timeout;
using PosAgent.Rpc.Testing;
using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests;

/// <summary>The client inside Polly pipelines, as the sync code uses it.</summary>
public sealed class PollyTests
{
    [Fact]
    public async Task Retry_TransientUnavailableTwice_ThirdAttemptSucceeds()
    {
        var attempts = 0;
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", (_, _) => Interlocked.Increment(ref attempts) <= 2
                ? throw new RpcException(StatusCode.Unavailable, "warming up")
                : Task.FromResult(new Empty()))
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable),
                MaxRetryAttempts = 3,
                Delay = TimeSpan.Zero,
            })
            .Build();

        await pipeline.ExecuteAsync(async ct => await channel.UnaryAsync(Descriptors.EmptyCall, new Empty(), new CallOptions { CancellationToken = ct })).AsTask().WithTimeout();

        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Retry_NonTransientStatus_NotRetried()
    {
        var attempts = 0;
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", (_, _) =>
            {
                Interlocked.Increment(ref attempts);
                throw new RpcException(StatusCode.InvalidArgument, "bad");
            })
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable), Delay = TimeSpan.Zero })
            .Build();

        var error = await Assert.ThrowsAsync<RpcException>(() => pipeline.ExecuteAsync(async ct => await channel.UnaryAsync(Descriptors.EmptyCall, new Empty(), new CallOptions { CancellationToken = ct })).AsTask()).WithTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Timeout_SlowServer_TimeoutRejectedAndServerCallCancelled()
    {
        var serverCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", async (_, context) =>
            {
                await using var registration = context.CancellationToken.Register(() => serverCancelled.TrySetResult());
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return new Empty();
            })
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();
        var pipeline = new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromMilliseconds(500)).Build();
        // Warm the connection up (an unimplemented method answers at once), so the timeout covers the slow handler only.
        await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest())).WithTimeout();

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => pipeline.ExecuteAsync(async ct => await channel.UnaryAsync(Descriptors.EmptyCall, new Empty(), new CallOptions { CancellationToken = ct })).AsTask()).WithTimeout();

        await serverCancelled.Task.WithTimeout();
    }
}
