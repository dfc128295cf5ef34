using Microsoft.Extensions.DependencyInjection;
using PosAgent.Rpc.Testing;
using PosAgent.Rpc.Tests.Infrastructure;

namespace PosAgent.Rpc.Tests;

public sealed class ServiceBuilderTests
{
    [Fact]
    public void Unary_UnknownMethod_ThrowsNamingTheMethods()
    {
        var builder = new GrpcServiceBuilder(Descriptors.TestService);

        var error = Assert.Throws<ArgumentException>(() => builder.Unary<Empty, Empty>("NoSuchCall", (_, _) => Task.FromResult(new Empty())));

        Assert.Contains("has no method 'NoSuchCall'", error.Message, StringComparison.Ordinal);
        Assert.Contains("EmptyCall", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unary_WrongRequestType_ThrowsNamingBothTypes()
    {
        var builder = new GrpcServiceBuilder(Descriptors.TestService);

        var error = Assert.Throws<ArgumentException>(() => builder.Unary<Empty, SimpleResponse>("UnaryCall", (_, _) => Task.FromResult(new SimpleResponse())));

        Assert.Contains("takes 'grpc.testing.SimpleRequest'", error.Message, StringComparison.Ordinal);
        Assert.Contains("grpc.testing.Empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unary_OnServerStreamingMethod_ThrowsNamingTheKind()
    {
        var builder = new GrpcServiceBuilder(Descriptors.TestService);

        var error = Assert.Throws<ArgumentException>(() => builder.Unary<StreamingOutputCallRequest, StreamingOutputCallResponse>("StreamingOutputCall", (_, _) => Task.FromResult(new StreamingOutputCallResponse())));

        Assert.Contains("is server-streaming", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unary_SameMethodTwice_Throws()
    {
        var builder = new GrpcServiceBuilder(Descriptors.TestService).Unary<Empty, Empty>("EmptyCall", (_, _) => Task.FromResult(new Empty()));

        Assert.Throws<ArgumentException>(() => builder.Unary<Empty, Empty>("EmptyCall", (_, _) => Task.FromResult(new Empty())));
    }

    [Fact]
    public void GrpcMethodCreate_BadName_Throws()
    {
        Assert.Throws<ArgumentException>(() => GrpcMethod.Create<Empty, Empty>(MethodType.Unary, "NoSlash"));
        Assert.Equal("/a.B/C", GrpcMethod.Create<Empty, Empty>(MethodType.Unary, "/a.B/C").Path);
    }

    [Fact]
    public void ServerOptions_Invalid_OneErrorNamingEveryProblem()
    {
        var options = new GrpcServerOptions { MaxReceiveMessageSize = 0, MaxSendMessageSize = -1, ResponseCompressionAlgorithm = "br" };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("MaxReceiveMessageSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSendMessageSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("ResponseCompressionAlgorithm", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_InvalidEntries_ThrowClearly()
    {
        var metadata = new Metadata();

        Assert.Throws<ArgumentException>(() => metadata.Add("x-data-bin", "text"));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-text", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-bad key", "v"));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-text", "caf\u00e9"));
        Assert.Throws<ArgumentException>(() => metadata.Add("grpc-status", "0"));
        metadata.Add("X-Upper", "ok");
        Assert.Equal("x-upper", metadata[0].Key);
    }

    [Fact]
    public void AddGrpcRpc_AfterApplicationTimeProvider_KeepsTheApplicationsClock()
    {
        var clock = new PosAgent.TestSupport.ManualTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);

        services.AddGrpcRpc();
        services.AddGrpcRpc();
        using var provider = services.BuildServiceProvider();

        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
        Assert.Single(provider.GetServices<HealthStatusManager>());
    }
}
