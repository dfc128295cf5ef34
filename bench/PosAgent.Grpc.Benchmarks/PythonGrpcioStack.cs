using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using PosAgent.Grpc.Benchmarks.Echo;
using PosAgent.TestSupport;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// Debian's python3-grpcio serving the echo service (echo_server.py, stubs made here by Debian's protoc and
/// grpc_python_plugin), called by the grpc-dotnet client. The server runs in its own process.
/// </summary>
internal sealed class PythonGrpcioStack : IStack
{
    public const string Python = "/usr/bin/python3";
    private const string Protoc = "/usr/bin/protoc";
    private const string GrpcPythonPlugin = "/usr/bin/grpc_python_plugin";

    private readonly Process _process;
    private readonly GrpcChannel[] _channels;

    private PythonGrpcioStack(Process process, int port, string socketPath)
    {
        _process = process;
        var tcp = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = Transports.CreateHandler(null) });
        var unix = GrpcChannel.ForAddress(Transports.UnixSocketAuthority, new GrpcChannelOptions { HttpHandler = Transports.CreateHandler(socketPath) });
        _channels = [tcp, unix];
        var request = new EchoRequest { Payload = ByteString.CopyFrom(Payload.Bytes) };
        var tcpClient = new EchoService.EchoServiceClient(tcp);
        var unixClient = new EchoService.EchoServiceClient(unix);
        Legs =
        [
            new Leg(Name, Transports.Tcp, async () => await tcpClient.EchoAsync(request)),
            new Leg(Name, Transports.UnixSocket, async () => await unixClient.EchoAsync(request)),
        ];
    }

    public string Name => "python grpcio";

    public IReadOnlyList<Leg> Legs { get; }

    public Goal? GrpcDotnetThroughputGoal { get; } = new(4, ">= 4x python grpcio");

    public static async Task<IStack> StartAsync(BenchSetup setup)
    {
        var stubs = setup.Folder("python-stubs");
        await RunToEndAsync(Protoc,
        [
            "-I", BenchSetup.ProtosRoot, "-I", WellKnownProtos.IncludeDirectory,
            "--python_out", stubs, "--grpc_python_out", stubs, $"--plugin=protoc-gen-grpc_python={GrpcPythonPlugin}",
            "bench/echo.proto",
        ]);
        var socketPath = setup.SocketPath("python.sock");
        var process = Start(Python, [Path.Combine(AppContext.BaseDirectory, "echo_server.py"), "--stubs", stubs, "--socket", socketPath, "--workers", "16"]);
        var line = await process.StandardOutput.ReadLineAsync().WithTimeout(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            var error = await process.StandardError.ReadToEndAsync().WithTimeout(TimeSpan.FromSeconds(5));
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The python grpcio server did not start: {line} {error}");
        }

        return new PythonGrpcioStack(process, int.Parse(line[5..], CultureInfo.InvariantCulture), socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _process.StandardInput.Close();
        try
        {
            await _process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static async Task RunToEndAsync(string fileName, IReadOnlyList<string> arguments)
    {
        using var process = Start(fileName, arguments);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(new StringBuilder($"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}): ")
                .Append(await stdout).Append(await stderr).ToString());
        }
    }

    private static Process Start(string fileName, IEnumerable<string> arguments)
    {
        if (!File.Exists(fileName))
        {
            throw new FileNotFoundException(
                $"{fileName} is missing: install Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc (test.sh lists them).",
                fileName);
        }

        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Everything here is loopback: keep the peer off any proxy the environment names.
        foreach (var name in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "grpc_proxy" })
        {
            info.Environment.Remove(name);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
    }
}
