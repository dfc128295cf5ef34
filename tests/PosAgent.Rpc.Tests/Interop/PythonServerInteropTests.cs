using System.Diagnostics;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests.Interop;

/// <summary>Debian's python3-grpcio serving grpc.testing.TestService, for our client.</summary>
public sealed class PythonServer : IAsyncLifetime
{
    private TempDirectory? _directory;
    private Process? _process;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _directory = new TempDirectory("pa-pysrv-");
        await Peers.GeneratePythonStubsAsync(_directory.Path);
        _process = Peers.Start(Peers.Python, [Path.Combine(Peers.InteropDirectory, "interop_server.py"), "--stubs", _directory.Path], null, redirectInput: true);
        var line = await _process.StandardOutput.ReadLineAsync().WithTimeout(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            var error = await _process.StandardError.ReadToEndAsync().WithTimeout();
            throw new InvalidOperationException($"The python server did not start: {line} {error}");
        }

        Port = int.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            // Closing its standard input is the server's signal to stop.
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

        _directory?.Dispose();
    }
}

public sealed class PythonServerInteropTests(PythonServer server) : IClassFixture<PythonServer>
{
    public static TheoryData<string> Cases => new(InteropClient.AllCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task OurClient_PythonServer_CasePasses(string name)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port}");
        // grpcio's python API cannot see whether a request arrived compressed, so its server skips that check.
        await new InteropClient(channel, serverChecksCompression: false).RunAsync(name);
    }
}
