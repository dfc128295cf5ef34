using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PosAgent.Grpc.Benchmarks.Echo;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// The floor: the same HTTP/2 request and response with no gRPC in them. A minimal Kestrel endpoint
/// reads the request body and writes it back; the client is a bare HttpClient handler sending HTTP/2 with
/// prior knowledge. The body is as long as the gRPC frame of the echo request, so the bytes match.
/// </summary>
internal sealed class BareKestrelStack : IStack
{
    private static readonly byte[] Body = GrpcFrameOfRequest();
    private static readonly MediaTypeHeaderValue ContentType = new("application/octet-stream");

    private readonly WebApplication _app;
    private readonly HttpMessageInvoker[] _invokers;

    private BareKestrelStack(WebApplication app, string socketPath)
    {
        _app = app;
        var tcp = new HttpMessageInvoker(Transports.CreateHandler(null));
        var unix = new HttpMessageInvoker(Transports.CreateHandler(socketPath));
        _invokers = [tcp, unix];
        var tcpUri = new Uri(Transports.TcpAddress(app), "/echo");
        var unixUri = new Uri(Transports.UnixSocketAuthority, "/echo");
        Legs =
        [
            new Leg(Name, Transports.Tcp, () => CallAsync(tcp, tcpUri)),
            new Leg(Name, Transports.UnixSocket, () => CallAsync(unix, unixUri)),
        ];
    }

    public string Name => "bare Kestrel HTTP/2";

    public IReadOnlyList<Leg> Legs { get; }

    public Goal? GrpcDotnetThroughputGoal { get; } = new(1 / 1.3, "within 1.3x of bare Kestrel");

    public static async Task<IStack> StartAsync(BenchSetup setup)
    {
        var socketPath = setup.SocketPath("bare.sock");
        var builder = Transports.CreateServerBuilder(socketPath);
        var app = builder.Build();
        app.MapPost("/echo", EchoAsync);
        await app.StartAsync();
        return new BareKestrelStack(app, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
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

    private static async Task CallAsync(HttpMessageInvoker invoker, Uri uri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Body),
        };
        request.Content.Headers.ContentType = ContentType;
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        var read = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer.AsMemory(read))) > 0)
        {
            read += n;
        }

        if (read != Body.Length)
        {
            throw new InvalidOperationException($"The bare echo answered {read} bytes instead of {Body.Length}.");
        }
    }

    private static byte[] GrpcFrameOfRequest()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(Payload.Bytes) }.ToByteArray();
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
