using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using PosAgent.Grpc.Benchmarks.Echo;
using PosAgent.Rpc;
using DotnetChannel = Grpc.Net.Client.GrpcChannel;
using DotnetChannelOptions = Grpc.Net.Client.GrpcChannelOptions;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// The project's own gRPC layer (src/PosAgent.Rpc) on both ends, driven as bench/PosAgent.Rpc.Benchmarks
/// drives it: a service built from the generated descriptor, the layer's own channel. One more leg sends
/// grpc-dotnet's client to this server: against the old layer's own client, the clients' difference alone.
/// When src/PosAgent.Rpc goes, delete this file, its line in Program.cs and the ProjectReference.
/// </summary>
internal sealed class OldLayerStack : IStack
{
    private readonly WebApplication _app;
    private readonly GrpcChannel[] _channels;
    private readonly DotnetChannel _dotnetChannel;

    private OldLayerStack(WebApplication app, string socketPath)
    {
        _app = app;
        var tcp = GrpcChannel.ForAddress(Transports.TcpAddress(app));
        var unix = GrpcChannel.ForUnixSocket(socketPath);
        _channels = [tcp, unix];
        _dotnetChannel = DotnetChannel.ForAddress(Transports.TcpAddress(app), new DotnetChannelOptions { HttpHandler = Transports.CreateHandler(null) });
        var dotnetClient = new EchoService.EchoServiceClient(_dotnetChannel);
        var method = GrpcMethod.FromDescriptor<EchoRequest, EchoReply>(EchoReflection.Descriptor.Services[0].Methods[0]);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(Payload.Bytes) };
        Legs =
        [
            new Leg(Name, Transports.Tcp, () => tcp.UnaryAsync(method, request)),
            new Leg(Name, Transports.UnixSocket, () => unix.UnaryAsync(method, request)),
            new Leg("grpc-dotnet client -> old-layer server", Transports.Tcp, async () => await dotnetClient.EchoAsync(request), Against: $"{Name}, {Transports.Tcp}"),
        ];
    }

    public string Name => "PosAgent.Rpc (old layer)";

    public IReadOnlyList<Leg> Legs { get; }

    public Goal? GrpcDotnetThroughputGoal => null;

    public static async Task<IStack> StartAsync(BenchSetup setup)
    {
        var socketPath = setup.SocketPath("old-layer.sock");
        var builder = Transports.CreateServerBuilder(socketPath);
        builder.Services.AddGrpcRpc();
        var app = builder.Build();
        app.MapGrpcService(new GrpcServiceBuilder(EchoReflection.Descriptor.Services[0])
            .Unary<EchoRequest, EchoReply>("Echo", (request, _) => Task.FromResult(new EchoReply { Payload = request.Payload }))
            .Build());
        await app.StartAsync();
        return new OldLayerStack(app, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _dotnetChannel.Dispose();

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
