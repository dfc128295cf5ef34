using Google.Protobuf;
using PosAgent.Rpc.Testing;

namespace PosAgent.Rpc.Tests.Infrastructure;

/// <summary>grpc.testing.TestService as doc/interop-test-descriptions.md describes the server side.</summary>
public static class InteropTestService
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    public static GrpcServiceDefinition Create() =>
        new GrpcServiceBuilder(TestReflection.Descriptor.Services[0])
            .Unary<Empty, Empty>("EmptyCall", async (_, context) =>
            {
                await EchoMetadataAsync(context);
                return new Empty();
            })
            .Unary<SimpleRequest, SimpleResponse>("UnaryCall", UnaryCallAsync)
            .Unary<SimpleRequest, SimpleResponse>("CacheableUnaryCall", UnaryCallAsync)
            .ServerStreaming<StreamingOutputCallRequest, StreamingOutputCallResponse>("StreamingOutputCall", async (request, responses, context) =>
            {
                await EchoMetadataAsync(context);
                await WriteResponsesAsync(request, responses, context);
                ThrowIfStatusRequested(request.ResponseStatus);
            })
            .ClientStreaming<StreamingInputCallRequest, StreamingInputCallResponse>("StreamingInputCall", async (requests, context) =>
            {
                await EchoMetadataAsync(context);
                var total = 0;
                while (await requests.MoveNext(context.CancellationToken))
                {
                    CheckCompression(requests.Current.ExpectCompressed, context);
                    total += requests.Current.Payload?.Body.Length ?? 0;
                }

                return new StreamingInputCallResponse { AggregatedPayloadSize = total };
            })
            .DuplexStreaming<StreamingOutputCallRequest, StreamingOutputCallResponse>("FullDuplexCall", async (requests, responses, context) =>
            {
                await EchoMetadataAsync(context);
                while (await requests.MoveNext(context.CancellationToken))
                {
                    var request = requests.Current;
                    ThrowIfStatusRequested(request.ResponseStatus);
                    await WriteResponsesAsync(request, responses, context);
                }
            })
            .Build();

    private static async Task<SimpleResponse> UnaryCallAsync(SimpleRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        CheckCompression(request.ExpectCompressed, context);
        ThrowIfStatusRequested(request.ResponseStatus);
        if (request.ResponseCompressed is { Value: true })
        {
            context.ResponseCompression = "gzip";
        }
        else
        {
            context.CompressResponses = false;
        }

        return new SimpleResponse { Payload = new Payload { Body = ByteString.CopyFrom(new byte[request.ResponseSize]) } };
    }

    private static async Task WriteResponsesAsync(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> responses, ServerCallContext context)
    {
        foreach (var parameters in request.ResponseParameters)
        {
            if (parameters.IntervalUs > 0)
            {
                // The spec's pacing between responses; cancelled with the call.
                await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken);
            }

            if (parameters.Compressed is { Value: true })
            {
                context.ResponseCompression = "gzip";
                context.CompressResponses = true;
            }
            else
            {
                context.CompressResponses = false;
            }

            await responses.WriteAsync(new StreamingOutputCallResponse { Payload = new Payload { Body = ByteString.CopyFrom(new byte[parameters.Size]) } });
        }
    }

    private static void CheckCompression(BoolValue? expectCompressed, ServerCallContext context)
    {
        if (expectCompressed is null)
        {
            return;
        }

        if (expectCompressed.Value != context.RequestMessageCompressed)
        {
            throw new RpcException(StatusCode.InvalidArgument, expectCompressed.Value
                ? "Expected a compressed request message, but it was not compressed."
                : "Expected an uncompressed request message, but it was compressed.");
        }
    }

    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is { Code: not 0 })
        {
            throw new RpcException((StatusCode)status.Code, status.Message);
        }
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var initial = context.RequestHeaders.Get(EchoInitialKey);
        if (initial is not null)
        {
            await context.WriteResponseHeadersAsync([initial]);
        }

        var trailing = context.RequestHeaders.Get(EchoTrailingKey);
        if (trailing is not null)
        {
            context.ResponseTrailers.Add(trailing);
        }
    }
}
