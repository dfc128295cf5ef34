using Google.Protobuf.Reflection;
using Microsoft.Extensions.DependencyInjection;
using PosAgent.Rpc.Health.V1;
using PosAgent.Rpc.Reflection.V1Alpha;
using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.TestSupport;
using ServingStatus = PosAgent.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PosAgent.Rpc.Tests;

public sealed class HealthAndReflectionTests : IAsyncLifetime
{
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Check = GrpcMethod.FromDescriptor<HealthCheckRequest, HealthCheckResponse>(HealthReflection.Descriptor.Services[0], "Check");
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Watch = GrpcMethod.FromDescriptor<HealthCheckRequest, HealthCheckResponse>(HealthReflection.Descriptor.Services[0], "Watch");
    private static readonly GrpcMethod<ServerReflectionRequest, ServerReflectionResponse> Reflect =
        GrpcMethod.FromDescriptor<ServerReflectionRequest, ServerReflectionResponse>(ReflectionReflection.Descriptor.Services[0], "ServerReflectionInfo");

    private GrpcTestServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync();
        _channel = _server.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Check_Server_ServingAndUnknownServiceNotFound()
    {
        var whole = await _channel.UnaryAsync(Check, new HealthCheckRequest()).WithTimeout();
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(Check, new HealthCheckRequest { Service = "nope.Service" })).WithTimeout();

        Assert.Equal(ServingStatus.Serving, whole.Status);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Watch_StatusChanges_EachChangeArrives()
    {
        var manager = _server.Services.GetRequiredService<HealthStatusManager>();
        using var call = _channel.ServerStreaming(Watch, new HealthCheckRequest { Service = "grpc.testing.TestService" });

        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
        manager.SetStatus("grpc.testing.TestService", ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
        manager.SetStatus("grpc.testing.TestService", ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
        var check = await _channel.UnaryAsync(Check, new HealthCheckRequest { Service = "grpc.testing.TestService" }).WithTimeout();
        Assert.Equal(ServingStatus.NotServing, check.Status);
    }

    [Fact]
    public async Task Reflection_ListAndFileContainingSymbol_AnswersWithDependencies()
    {
        using var call = _channel.DuplexStreaming(Reflect);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "grpc.testing.TestService" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto.Select(b => FileDescriptorProto.Parser.ParseFrom(b).Name).ToList();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileByFilename = "grpc/testing/messages.proto" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        var byName = FileDescriptorProto.Parser.ParseFrom(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto[0]);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "no.Such" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        var missing = call.ResponseStream.Current.ErrorResponse;
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext().WithTimeout());

        Assert.Equal(["grpc.testing.TestService", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"], services);
        Assert.Equal(["grpc/testing/test.proto", "grpc/testing/empty.proto", "grpc/testing/messages.proto"], files);
        Assert.Contains(byName.MessageType, m => m.Name == "SimpleRequest");
        Assert.Equal((int)StatusCode.NotFound, missing.ErrorCode);
    }

    [Fact]
    public async Task Reflection_MethodAndNestedEnumSymbols_Found()
    {
        using var call = _channel.DuplexStreaming(Reflect);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "grpc.testing.TestService.UnaryCall" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        var method = call.ResponseStream.Current;
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.HealthCheckResponse.ServingStatus" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext().WithTimeout());
        var nested = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();

        Assert.Equal("grpc/testing/test.proto", FileDescriptorProto.Parser.ParseFrom(method.FileDescriptorResponse.FileDescriptorProto[0]).Name);
        Assert.Equal("grpc/health/v1/health.proto", FileDescriptorProto.Parser.ParseFrom(nested.FileDescriptorResponse.FileDescriptorProto[0]).Name);
    }
}
