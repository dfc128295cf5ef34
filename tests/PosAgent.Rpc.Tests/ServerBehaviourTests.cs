using Google.Protobuf;
using Microsoft.Extensions.Logging;
using PosAgent.Rpc.Testing;
using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests;

/// <summary>Status, deadline, cancellation, limits and interceptors, with our client and our server on real Kestrel.</summary>
public sealed class ServerBehaviourTests
{
    [Fact]
    public async Task Handler_ThrowsUnhandledException_CallerGetsInternalWithoutStackTraceAndServerLogsIt()
    {
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", (_, _) => throw new InvalidOperationException("secret detail"))
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty())).WithTimeout();

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal("Exception was thrown by handler.", error.Status.Detail);
        Assert.DoesNotContain("secret", error.Status.Detail, StringComparison.Ordinal);
        var logged = Assert.Single(server.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.IsType<InvalidOperationException>(logged.Exception);
        Assert.Contains("/grpc.testing.TestService/EmptyCall", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_ThrowsWithDetailedErrors_CallerGetsTypeAndMessageButNoStackTrace()
    {
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", (_, _) => throw new InvalidOperationException("the detail"))
            .Build();
        await using var server = await GrpcTestServer.StartAsync(o => o.EnableDetailedErrors = true, testService: service);
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty())).WithTimeout();

        Assert.Equal("Exception was thrown by handler. InvalidOperationException: the detail", error.Status.Detail);
        Assert.DoesNotContain(" at ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_HandlerWaitsOnToken_ClientGetsDeadlineExceededAndServerTokenFires()
    {
        var handlerCancelled = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", async (_, context) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    handlerCancelled.TrySetResult(context.Deadline);
                    throw;
                }

                return new Empty();
            })
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();
        var before = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty(), new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) })).WithTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var serverDeadline = await handlerCancelled.Task.WithTimeout();
        Assert.InRange(serverDeadline, before, before + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Deadline_AlreadyPassed_FailsWithoutSending()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(-1)))).WithTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancellation_ClientCancelsStream_ServerTokenFires()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverSawCancel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .ServerStreaming<StreamingOutputCallRequest, StreamingOutputCallResponse>("StreamingOutputCall", async (_, stream, context) =>
            {
                await stream.WriteAsync(new StreamingOutputCallResponse());
                started.TrySetResult();
                await using var registration = context.CancellationToken.Register(() => serverSawCancel.TrySetResult());
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            })
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = channel.ServerStreaming(Descriptors.StreamingOutputCall, new StreamingOutputCallRequest(), new CallOptions { CancellationToken = cts.Token });
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        await started.Task.WithTimeout();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.ResponseStream.MoveNext()).WithTimeout(TimeSpan.FromSeconds(5));
        await serverSawCancel.Task.WithTimeout(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task RequestMessage_LargerThanServerMax_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.MaxReceiveMessageSize = 1024);
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[2048]) } })).WithTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("larger than max", error.Status.Detail, StringComparison.Ordinal);
        // The server still serves.
        await channel.UnaryAsync(Descriptors.EmptyCall, new Empty()).WithTimeout();
    }

    [Fact]
    public async Task RequestMessage_Default4MiBLimit_AcceptsJustUnderAndRejectsOver()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 8 * 1024 * 1024 });

        var ok = await channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { ResponseSize = 1, Payload = new Payload { Body = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) - 64]) } }).WithTimeout();
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 1]) } })).WithTimeout();

        Assert.Equal(1, ok.Payload.Body.Length);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ResponseMessage_LargerThanClientMax_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { ResponseSize = 5000 })).WithTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ResponseMessage_LargerThanServerSendMax_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.MaxSendMessageSize = 1000);
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { ResponseSize = 5000 })).WithTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Interceptor_MissingAuthorization_UnauthenticatedAndHandlerNotRun()
    {
        var handled = 0;
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", (_, _) =>
            {
                Interlocked.Increment(ref handled);
                return Task.FromResult(new Empty());
            })
            .Build();
        var interceptor = new TokenInterceptor("Bearer good");
        await using var server = await GrpcTestServer.StartAsync(o => o.Interceptors.Add(interceptor), testService: service);
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty())).WithTimeout();
        await channel.UnaryAsync(Descriptors.EmptyCall, new Empty(), new CallOptions(new Metadata { { "authorization", "Bearer good" } })).WithTimeout();

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(1, handled);
        Assert.Equal([StatusCode.Unauthenticated, StatusCode.OK], interceptor.Outcomes);
    }

    [Fact]
    public async Task Handler_SetsStatusAndTrailers_ClientSeesBoth()
    {
        var service = new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<Empty, Empty>("EmptyCall", (_, context) =>
            {
                context.ResponseTrailers.Add("x-reason", "because");
                context.ResponseTrailers.Add("x-blob-bin", new byte[] { 0, 1, 2, 255 });
                throw new RpcException(StatusCode.FailedPrecondition, "not now: 100% busy");
            })
            .Build();
        await using var server = await GrpcTestServer.StartAsync(testService: service);
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty())).WithTimeout();

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("not now: 100% busy", error.Status.Detail);
        Assert.Equal("because", error.Trailers.GetValue("x-reason"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, error.Trailers.GetValueBytes("x-blob-bin"));
    }

    [Fact]
    public async Task ServerResponseCompression_Gzip_ClientDecompresses()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.ResponseCompressionAlgorithm = "gzip");
        using var channel = server.CreateChannel();

        var response = await channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { ResponseSize = 100_000 }).WithTimeout();

        Assert.Equal(100_000, response.Payload.Body.Length);
    }

    [Fact]
    public async Task UnaryByName_MethodString_Works()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel();

        var response = await channel.UnaryAsync<SimpleRequest, SimpleResponse>("grpc.testing.TestService/UnaryCall", new SimpleRequest { ResponseSize = 3 }).WithTimeout();

        Assert.Equal(3, response.Payload.Body.Length);
    }

    [Fact]
    public async Task Channel_NoServerListening_Unavailable()
    {
        using var directory = new TempDirectory();
        using var channel = GrpcChannel.ForUnixSocket(directory.File("nobody.sock"));

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.EmptyCall, new Empty())).WithTimeout();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task ConcurrentCalls_ManyAtOnce_AllSucceed()
    {
        await using var server = await GrpcTestServer.StartAsync();
        using var channel = server.CreateChannel();

        var calls = Enumerable.Range(0, 300).Select(i => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest { ResponseSize = i }));
        var responses = await Task.WhenAll(calls).WithTimeout();

        Assert.Equal(Enumerable.Range(0, 300), responses.Select(r => r.Payload.Body.Length));
    }

    private sealed class TokenInterceptor(string expected) : IServerInterceptor
    {
        public List<StatusCode> Outcomes { get; } = [];

        public async Task InterceptAsync(ServerCallContext context, Func<ServerCallContext, Task> next)
        {
            try
            {
                if (context.RequestHeaders.GetValue("authorization") != expected)
                {
                    throw new RpcException(StatusCode.Unauthenticated, "A valid bearer token is required.");
                }

                await next(context);
                Outcomes.Add(context.Status.StatusCode);
            }
            catch (RpcException ex)
            {
                Outcomes.Add(ex.StatusCode);
                throw;
            }
        }
    }
}
