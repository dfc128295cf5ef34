using Google.Protobuf.Reflection;
using PosAgent.Rpc.Testing;

namespace PosAgent.Rpc.Tests.Infrastructure;

/// <summary>The interop test service's descriptor and methods, for tests that call or re-implement it.</summary>
public static class Descriptors
{
    public static readonly ServiceDescriptor TestService = TestReflection.Descriptor.Services[0];

    public static readonly GrpcMethod<Empty, Empty> EmptyCall = GrpcMethod.FromDescriptor<Empty, Empty>(TestService, "EmptyCall");

    public static readonly GrpcMethod<SimpleRequest, SimpleResponse> UnaryCall = GrpcMethod.FromDescriptor<SimpleRequest, SimpleResponse>(TestService, "UnaryCall");

    public static readonly GrpcMethod<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall =
        GrpcMethod.FromDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>(TestService, "StreamingOutputCall");

    public static readonly GrpcMethod<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall =
        GrpcMethod.FromDescriptor<StreamingInputCallRequest, StreamingInputCallResponse>(TestService, "StreamingInputCall");

    public static readonly GrpcMethod<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall =
        GrpcMethod.FromDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>(TestService, "FullDuplexCall");
}
