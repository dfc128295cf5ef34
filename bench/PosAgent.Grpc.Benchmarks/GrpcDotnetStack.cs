using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PosAgent.Grpc.Benchmarks.Echo;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>grpc-dotnet on both ends: a Grpc.AspNetCore service from the generated base, the generated Grpc.Net.Client client.</summary>
internal sealed class GrpcDotnetStack : IStack
{
    public const string StackName = "grpc-dotnet";

    private readonly WebApplication _app;
    private readonly GrpcChannel[] _channels;
    private readonly BareHttp2Client _bareClient;

    private GrpcDotnetStack(WebApplication app, GrpcChannel tcp, GrpcChannel unix)
    {
        _app = app;
        _channels = [tcp, unix];
        _bareClient = new BareHttp2Client(Transports.TcpAddress(app), "/posagent.bench.EchoService/Echo", null, asGrpc: true);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(Payload.Bytes) };
        var tcpClient = new EchoService.EchoServiceClient(tcp);
        var unixClient = new EchoService.EchoServiceClient(unix);
        Legs =
        [
            new Leg(StackName, Transports.Tcp, async () => await tcpClient.EchoAsync(request)),
            new Leg(StackName, Transports.UnixSocket, async () => await unixClient.EchoAsync(request)),
            new Leg("bare client -> grpc-dotnet server", Transports.Tcp, _bareClient.CallAsync, Against: $"{BareKestrelStack.StackName}, {Transports.Tcp}"),
        ];
    }

    public string Name => StackName;

    public IReadOnlyList<Leg> Legs { get; }

    public Goal? GrpcDotnetThroughputGoal => null;

    public static async Task<IStack> StartAsync(BenchSetup setup)
    {
        var socketPath = setup.SocketPath("grpc-dotnet.sock");
        var builder = Transports.CreateServerBuilder(socketPath);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoServer>();
        await app.StartAsync();
        var tcp = GrpcChannel.ForAddress(Transports.TcpAddress(app), new GrpcChannelOptions { HttpHandler = Transports.CreateHandler(null) });
        var unix = GrpcChannel.ForAddress(Transports.UnixSocketAuthority, new GrpcChannelOptions { HttpHandler = Transports.CreateHandler(socketPath) });
        return new GrpcDotnetStack(app, tcp, unix);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _bareClient.Dispose();

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class EchoServer : EchoService.EchoServiceBase
    {
        public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoReply { Payload = request.Payload });
    }
}
