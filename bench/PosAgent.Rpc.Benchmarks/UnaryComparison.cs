using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PosAgent.Rpc.Testing;
using PosAgent.Rpc.Tests.Interop;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Benchmarks;

/// <summary>
/// Unary round trips, the same load against four servers in one run: our layer over loopback TCP and a
/// Unix socket, a bare Kestrel HTTP/2 endpoint that echoes bytes (the floor), and python grpcio.
/// Sequential latency (p50/p99) and throughput with 16 concurrent callers.
/// </summary>
internal static class UnaryComparison
{
    private const int Concurrency = 16;
    private const int SequentialCalls = 3000;
    private const int PayloadSize = 32;
    private const int Rounds = 3;

    public static async Task RunAsync(TimeSpan duration)
    {
        using var directory = new TempDirectory("pa-bench-");
        var socketPath = directory.File("bench.sock");
        await using var ours = await StartOursAsync(socketPath);
        await using var bare = await StartBareAsync();
        using var python = await StartPythonAsync(directory.Path);

        var request = new SimpleRequest { ResponseSize = PayloadSize, Payload = new Payload { Body = ByteString.CopyFrom(new byte[PayloadSize]) } };
        var method = GrpcMethod.FromDescriptor<SimpleRequest, SimpleResponse>(TestReflection.Descriptor.Services[0], "UnaryCall");
        using var tcp = GrpcChannel.ForAddress(Address(ours));
        using var uds = GrpcChannel.ForUnixSocket(socketPath);
        using var py = GrpcChannel.ForAddress($"http://127.0.0.1:{python.Port}");
        using var bareClient = new BareClient(Address(bare));
        // Our server alone: the floor's client sending a gRPC frame, so the server's share of the overhead shows.
        using var rawToOurs = new BareClient(Address(ours), "/grpc.testing.TestService/UnaryCall");

        var targets = new (string Name, Func<Task> Call)[]
        {
            ("ours, TCP", () => tcp.UnaryAsync(method, request)),
            ("ours, Unix socket", () => uds.UnaryAsync(method, request)),
            ("bare Kestrel HTTP/2 echo, TCP", bareClient.CallAsync),
            ("python grpcio server, TCP", () => py.UnaryAsync(method, request)),
            ("raw HTTP/2 client -> our server", rawToOurs.CallAsync),
        };

        Console.WriteLine($"Unary round trip, {PayloadSize}-byte payload each way; sequential: {SequentialCalls} calls; concurrent: {Concurrency} callers for {duration.TotalSeconds:0} s;");
        Console.WriteLine($"targets interleaved in {Rounds} rounds, each figure the median of its rounds.");
        foreach (var (_, call) in targets)
        {
            await WarmUpAsync(call);
        }

        var p50s = new double[targets.Length][];
        var p99s = new double[targets.Length][];
        var rates = new double[targets.Length][];
        for (var t = 0; t < targets.Length; t++)
        {
            p50s[t] = new double[Rounds];
            p99s[t] = new double[Rounds];
            rates[t] = new double[Rounds];
        }

        for (var round = 0; round < Rounds; round++)
        {
            for (var t = 0; t < targets.Length; t++)
            {
                (p50s[t][round], p99s[t][round]) = await SequentialAsync(targets[t].Call);
                rates[t][round] = await ConcurrentAsync(targets[t].Call, duration);
            }
        }

        Console.WriteLine($"{"target",-34} {"p50 ms",8} {"p99 ms",8} {"calls/s",10}");
        var throughput = new Dictionary<string, double>();
        for (var t = 0; t < targets.Length; t++)
        {
            throughput[targets[t].Name] = Median(rates[t]);
            Console.WriteLine($"{targets[t].Name,-34} {Median(p50s[t]),8:0.000} {Median(p99s[t]),8:0.000} {throughput[targets[t].Name],10:0}");
        }

        Console.WriteLine();
        Console.WriteLine($"bare Kestrel / ours (TCP) throughput: {throughput[targets[2].Name] / throughput[targets[0].Name]:0.00}x (goal <= 1.30x)");
        Console.WriteLine($"ours (TCP) / python grpcio throughput: {throughput[targets[0].Name] / throughput[targets[3].Name]:0.00}x (goal >= 4x)");
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    private static async Task WarmUpAsync(Func<Task> call)
    {
        for (var i = 0; i < 500; i++)
        {
            await call();
        }

        await ConcurrentAsync(call, TimeSpan.FromSeconds(1));
    }

    private static async Task<(double P50, double P99)> SequentialAsync(Func<Task> call)
    {
        var samples = new double[SequentialCalls];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        return (samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    }

    private static async Task<double> ConcurrentAsync(Func<Task> call, TimeSpan duration)
    {
        long calls = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var workers = new Task[Concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                long mine = 0;
                while (Stopwatch.GetTimestamp() < stopAt)
                {
                    await call();
                    mine++;
                }

                Interlocked.Add(ref calls, mine);
            });
        }

        await Task.WhenAll(workers);
        return calls / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static string Address(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First(a => a.StartsWith("http://127.0.0.1", StringComparison.Ordinal));
    }

    private static async Task<WebApplication> StartOursAsync(string socketPath)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenGrpc(IPAddress.Loopback, 0);
            k.ListenGrpcUnixSocket(socketPath);
        });
        builder.Services.AddGrpcRpc();
        var app = builder.Build();
        app.MapGrpcService(new GrpcServiceBuilder(TestReflection.Descriptor.Services[0])
            .Unary<SimpleRequest, SimpleResponse>("UnaryCall", (request, _) =>
                Task.FromResult(new SimpleResponse { Payload = new Payload { Body = ByteString.CopyFrom(new byte[request.ResponseSize]) } }))
            .Build());
        await app.StartAsync();
        return app;
    }

    private static async Task<WebApplication> StartBareAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapPost("/echo", async context =>
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
                        await context.Response.Body.WriteAsync(segment);
                    }

                    reader.AdvanceTo(result.Buffer.End);
                    return;
                }

                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<PythonPeer> StartPythonAsync(string directory)
    {
        await Peers.GeneratePythonStubsAsync(directory);
        var process = Peers.Start(Peers.Python, [Path.Combine(Peers.InteropDirectory, "interop_server.py"), "--stubs", directory], null, redirectInput: true);
        var line = await process.StandardOutput.ReadLineAsync().WithTimeout(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The python server did not start: {line}");
        }

        return new PythonPeer(process, int.Parse(line[5..], CultureInfo.InvariantCulture));
    }

    private sealed class PythonPeer(Process process, int port) : IDisposable
    {
        public int Port { get; } = port;

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }

    /// <summary>The floor: the same HTTP/2 request/response with raw bytes and no gRPC.</summary>
    private sealed class BareClient(string address, string path = "/echo") : IDisposable
    {
        private static readonly byte[] Body = Frame();
        private static readonly MediaTypeHeaderValue ContentType = new("application/grpc");
        private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false });
        private readonly Uri _uri = new(new Uri(address), path);

        public async Task CallAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(Body),
            };
            request.Content.Headers.ContentType = ContentType;
            request.Headers.TryAddWithoutValidation("TE", "trailers");
            using var response = await _invoker.SendAsync(request, CancellationToken.None);
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }

        public void Dispose() => _invoker.Dispose();

        private static byte[] Frame()
        {
            var message = new SimpleRequest { ResponseSize = PayloadSize, Payload = new Payload { Body = ByteString.CopyFrom(new byte[PayloadSize]) } }.ToByteArray();
            var frame = new byte[5 + message.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
            message.CopyTo(frame, 5);
            return frame;
        }
    }
}
