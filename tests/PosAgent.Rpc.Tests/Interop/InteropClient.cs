using Google.Protobuf;
using Google.Protobuf.Reflection;
using PosAgent.Rpc.Testing;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests.Interop;

/// <summary>
/// The client side of the interop cases of doc/interop-test-descriptions.md, run by our client against
/// any server (ours, python grpcio). Each case throws (xunit assertion or RpcException) when it fails.
/// </summary>
public sealed class InteropClient(GrpcChannel channel, bool serverChecksCompression = true)
{
    public static readonly string[] AllCases =
    [
        "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
        "timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response",
        "status_code_and_message", "special_status_message", "unimplemented_method", "unimplemented_service",
        "custom_metadata", "client_compressed_unary", "server_compressed_unary",
        "client_compressed_streaming", "server_compressed_streaming",
    ];

    private static readonly ServiceDescriptor TestService = TestReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor UnimplementedService = TestReflection.Descriptor.Services[1];
    private static readonly GrpcMethod<Empty, Empty> EmptyCall = GrpcMethod.FromDescriptor<Empty, Empty>(TestService, "EmptyCall");
    private static readonly GrpcMethod<SimpleRequest, SimpleResponse> UnaryCall = GrpcMethod.FromDescriptor<SimpleRequest, SimpleResponse>(TestService, "UnaryCall");
    private static readonly GrpcMethod<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall = GrpcMethod.FromDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>(TestService, "StreamingOutputCall");
    private static readonly GrpcMethod<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall = GrpcMethod.FromDescriptor<StreamingInputCallRequest, StreamingInputCallResponse>(TestService, "StreamingInputCall");
    private static readonly GrpcMethod<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall = GrpcMethod.FromDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>(TestService, "FullDuplexCall");
    private static readonly GrpcMethod<Empty, Empty> UnimplementedCall = GrpcMethod.FromDescriptor<Empty, Empty>(TestService, "UnimplementedCall");
    private static readonly GrpcMethod<Empty, Empty> UnimplementedServiceCall = GrpcMethod.FromDescriptor<Empty, Empty>(UnimplementedService, "UnimplementedCall");

    private static readonly int[] StreamSizes = [31415, 9, 2653, 58979];
    private static readonly int[] RequestSizes = [27182, 8, 1828, 45904];

    public Task RunAsync(string name) => name switch
    {
        "empty_unary" => EmptyUnaryAsync(),
        "large_unary" => LargeUnaryAsync(),
        "client_streaming" => ClientStreamingAsync(),
        "server_streaming" => ServerStreamingAsync(),
        "ping_pong" => PingPongAsync(),
        "empty_stream" => EmptyStreamAsync(),
        "timeout_on_sleeping_server" => TimeoutOnSleepingServerAsync(),
        "cancel_after_begin" => CancelAfterBeginAsync(),
        "cancel_after_first_response" => CancelAfterFirstResponseAsync(),
        "status_code_and_message" => StatusCodeAndMessageAsync(),
        "special_status_message" => SpecialStatusMessageAsync(),
        "unimplemented_method" => UnimplementedMethodAsync(),
        "unimplemented_service" => UnimplementedServiceAsync(),
        "custom_metadata" => CustomMetadataAsync(),
        "client_compressed_unary" => ClientCompressedUnaryAsync(),
        "server_compressed_unary" => ServerCompressedUnaryAsync(),
        "client_compressed_streaming" => ClientCompressedStreamingAsync(),
        "server_compressed_streaming" => ServerCompressedStreamingAsync(),
        _ => throw new ArgumentException($"Unknown interop case '{name}'.", nameof(name)),
    };

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private async Task EmptyUnaryAsync()
    {
        var response = await channel.UnaryAsync(EmptyCall, new Empty()).WithTimeout();
        Assert.Equal(new Empty(), response);
    }

    private async Task LargeUnaryAsync()
    {
        var response = await channel.UnaryAsync(UnaryCall, new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }).WithTimeout();
        Assert.Equal(314159, response.Payload.Body.Length);
        Assert.All(response.Payload.Body, b => Assert.Equal(0, b));
    }

    private async Task ClientStreamingAsync()
    {
        using var call = channel.ClientStreaming(StreamingInputCall);
        foreach (var size in RequestSizes)
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) }).WithTimeout();
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync.WithTimeout();
        Assert.Equal(74922, response.AggregatedPayloadSize);
    }

    private async Task ServerStreamingAsync()
    {
        var request = new StreamingOutputCallRequest();
        foreach (var size in StreamSizes)
        {
            request.ResponseParameters.Add(new ResponseParameters { Size = size });
        }

        var sizes = new List<int>();
        await foreach (var response in channel.ServerStreamingAsync(StreamingOutputCall, request))
        {
            sizes.Add(response.Payload.Body.Length);
        }

        Assert.Equal(StreamSizes, sizes);
    }

    private async Task PingPongAsync()
    {
        using var call = channel.DuplexStreaming(FullDuplexCall);
        for (var i = 0; i < StreamSizes.Length; i++)
        {
            var request = new StreamingOutputCallRequest { Payload = Zeros(RequestSizes[i]) };
            request.ResponseParameters.Add(new ResponseParameters { Size = StreamSizes[i] });
            await call.RequestStream.WriteAsync(request).WithTimeout();
            Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
            Assert.Equal(StreamSizes[i], call.ResponseStream.Current.Payload.Body.Length);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext().WithTimeout());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private async Task EmptyStreamAsync()
    {
        using var call = channel.DuplexStreaming(FullDuplexCall);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext().WithTimeout());
    }

    private async Task TimeoutOnSleepingServerAsync()
    {
        using var call = channel.DuplexStreaming(FullDuplexCall, new CallOptions { Timeout = TimeSpan.FromMilliseconds(1) });
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Zeros(27182) }).WithTimeout();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The deadline may pass before the write: the spec allows it.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).WithTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    private async Task CancelAfterBeginAsync()
    {
        using var cts = new CancellationTokenSource();
        using var call = channel.ClientStreaming(StreamingInputCall, new CallOptions { CancellationToken = cts.Token });
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.ResponseAsync).WithTimeout();
    }

    private async Task CancelAfterFirstResponseAsync()
    {
        using var cts = new CancellationTokenSource();
        using var call = channel.DuplexStreaming(FullDuplexCall, new CallOptions { CancellationToken = cts.Token });
        var request = new StreamingOutputCallRequest { Payload = Zeros(27182) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.ResponseStream.MoveNext()).WithTimeout();
    }

    private async Task StatusCodeAndMessageAsync()
    {
        const string message = "test status message";
        var unary = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(UnaryCall, new SimpleRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } })).WithTimeout();
        Assert.Equal(StatusCode.Unknown, unary.StatusCode);
        Assert.Equal(message, unary.Status.Detail);

        using var call = channel.DuplexStreaming(FullDuplexCall);
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } }).WithTimeout();
        await call.RequestStream.CompleteAsync();
        var duplex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).WithTimeout();
        Assert.Equal(StatusCode.Unknown, duplex.StatusCode);
        Assert.Equal(message, duplex.Status.Detail);
    }

    private async Task SpecialStatusMessageAsync()
    {
        const string message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(UnaryCall, new SimpleRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } })).WithTimeout();
        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
    }

    private async Task UnimplementedMethodAsync()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(UnimplementedCall, new Empty())).WithTimeout();
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private async Task UnimplementedServiceAsync()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(UnimplementedServiceCall, new Empty())).WithTimeout();
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private async Task CustomMetadataAsync()
    {
        byte[] trailing = [0xab, 0xab, 0xab];
        var headers = new Metadata { { "x-grpc-test-echo-initial", "test_initial_metadata_value" }, { "x-grpc-test-echo-trailing-bin", trailing } };

        using (var unary = channel.StartUnary(UnaryCall, new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, new CallOptions(headers)))
        {
            await unary.ResponseAsync.WithTimeout();
            Assert.Equal("test_initial_metadata_value", (await unary.ResponseHeadersAsync.WithTimeout()).GetValue("x-grpc-test-echo-initial"));
            Assert.Equal(trailing, unary.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));
        }

        using var call = channel.DuplexStreaming(FullDuplexCall, new CallOptions(headers));
        var request = new StreamingOutputCallRequest { Payload = Zeros(271828) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await call.RequestStream.WriteAsync(request).WithTimeout();
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        Assert.False(await call.ResponseStream.MoveNext().WithTimeout());
        Assert.Equal("test_initial_metadata_value", (await call.ResponseHeadersAsync.WithTimeout()).GetValue("x-grpc-test-echo-initial"));
        Assert.Equal(trailing, call.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));
    }

    private async Task ClientCompressedUnaryAsync()
    {
        if (serverChecksCompression)
        {
            // The probe: an uncompressed message that claims to be compressed must be refused.
            var probe = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(UnaryCall, new SimpleRequest { ExpectCompressed = new BoolValue { Value = true }, ResponseSize = 314159, Payload = Zeros(271828) })).WithTimeout();
            Assert.Equal(StatusCode.InvalidArgument, probe.StatusCode);
        }

        var compressed = await channel.UnaryAsync(UnaryCall, new SimpleRequest { ExpectCompressed = new BoolValue { Value = true }, ResponseSize = 314159, Payload = Zeros(271828) }, new CallOptions { WriteCompression = "gzip" }).WithTimeout();
        Assert.Equal(314159, compressed.Payload.Body.Length);
        var plain = await channel.UnaryAsync(UnaryCall, new SimpleRequest { ExpectCompressed = new BoolValue { Value = false }, ResponseSize = 314159, Payload = Zeros(271828) }).WithTimeout();
        Assert.Equal(314159, plain.Payload.Body.Length);
    }

    private async Task ServerCompressedUnaryAsync()
    {
        foreach (var compressed in new[] { true, false })
        {
            var response = await channel.UnaryAsync(UnaryCall, new SimpleRequest { ResponseCompressed = new BoolValue { Value = compressed }, ResponseSize = 314159, Payload = Zeros(271828) }).WithTimeout();
            Assert.Equal(314159, response.Payload.Body.Length);
        }
    }

    private async Task ClientCompressedStreamingAsync()
    {
        using var call = channel.ClientStreaming(StreamingInputCall, new CallOptions { WriteCompression = "gzip" });
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = Zeros(27182) }).WithTimeout();
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = Zeros(45904) }).WithTimeout();
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync.WithTimeout();
        Assert.Equal(73086, response.AggregatedPayloadSize);
    }

    private async Task ServerCompressedStreamingAsync()
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Compressed = new BoolValue { Value = true }, Size = 31415 });
        request.ResponseParameters.Add(new ResponseParameters { Compressed = new BoolValue { Value = false }, Size = 92653 });
        var sizes = new List<int>();
        await foreach (var response in channel.ServerStreamingAsync(StreamingOutputCall, request))
        {
            sizes.Add(response.Payload.Body.Length);
        }

        Assert.Equal([31415, 92653], sizes);
    }
}
