using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// The floor: the same HTTP/2 request and response with no gRPC in them. A minimal Kestrel endpoint
/// reads the request body and writes it back; the client is <see cref="BareHttp2Client"/>.
/// </summary>
internal sealed class BareKestrelStack : IStack
{
    public const string StackName = "bare Kestrel HTTP/2";

    private readonly WebApplication _app;
    private readonly BareHttp2Client[] _clients;

    private BareKestrelStack(WebApplication app, string socketPath)
    {
        _app = app;
        var tcp = new BareHttp2Client(Transports.TcpAddress(app), "/echo", null, asGrpc: false);
        var unix = new BareHttp2Client(Transports.UnixSocketAuthority, "/echo", socketPath, asGrpc: false);
        _clients = [tcp, unix];
        Legs =
        [
            new Leg(StackName, Transports.Tcp, tcp.CallAsync),
            new Leg(StackName, Transports.UnixSocket, unix.CallAsync),
        ];
    }

    public string Name => StackName;

    public IReadOnlyList<Leg> Legs { get; }

    public Goal? GrpcDotnetThroughputGoal { get; } = new(1 / 1.3, "within 1.3x of bare Kestrel");

    public static async Task<IStack> StartAsync(BenchSetup setup)
    {
        var socketPath = setup.SocketPath("bare.sock");
        var app = Transports.CreateServerBuilder(socketPath).Build();
        app.MapPost("/echo", EchoAsync);
        await app.StartAsync();
        return new BareKestrelStack(app, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task EchoAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                context.Response.ContentType = "application/octet-stream";
                foreach (var segment in result.Buffer)
                {
                    await context.Response.BodyWriter.WriteAsync(segment);
                }

                reader.AdvanceTo(result.Buffer.End);
                return;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
