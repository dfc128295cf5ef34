using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests.Interop;

/// <summary>Runs a peer's interop client once against our server, keeping each case's result.</summary>
public abstract class PeerClientRun : IAsyncLifetime
{
    private GrpcTestServer? _server;
    private TempDirectory? _directory;

    public IReadOnlyDictionary<string, string> Results { get; private set; } = new Dictionary<string, string>();

    public string Output { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _directory = new TempDirectory("pa-interop-");
        _server = await GrpcTestServer.StartAsync();
        var (_, output) = await RunClientAsync(_server.Port, _directory.Path);
        Output = output;
        Results = Peers.ParseResults(output);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _directory?.Dispose();
    }

    public void AssertPassed(string name)
    {
        Assert.True(Results.TryGetValue(name, out var result), $"The peer reported nothing for '{name}'. Its output:\n{Output}");
        Assert.True(result == "PASS", result);
    }

    protected abstract Task<(int ExitCode, string Output)> RunClientAsync(int port, string workDirectory);
}

public sealed class PythonClientRun : PeerClientRun
{
    public static readonly string[] Cases = [.. InteropClient.AllCases, "health_check", "health_watch", "reflection"];

    protected override async Task<(int ExitCode, string Output)> RunClientAsync(int port, string workDirectory)
    {
        await Peers.GeneratePythonStubsAsync(workDirectory);
        return await Peers.RunAsync(
            Peers.Python,
            [Path.Combine(Peers.InteropDirectory, "interop_client.py"), "--stubs", workDirectory, "--target", $"127.0.0.1:{port}", "--cases", string.Join(',', Cases)],
            TimeSpan.FromSeconds(120));
    }
}

public sealed class NodeClientRun : PeerClientRun
{
    protected override async Task<(int ExitCode, string Output)> RunClientAsync(int port, string workDirectory)
    {
        if (!Directory.Exists(Path.Combine(Peers.InteropDirectory, "node_modules", "@grpc", "grpc-js")))
        {
            // test.sh installs it; a bare `dotnet test` does it here.
            var (code, output) = await Peers.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--silent"], TimeSpan.FromMinutes(5));
            if (code != 0)
            {
                throw new InvalidOperationException($"npm install in tests/interop failed ({code}): {output}");
            }
        }

        return await Peers.RunAsync(
            "node",
            [Path.Combine(Peers.InteropDirectory, "interop_client.js"), "--protos", Peers.ProtosDirectory, "--target", $"127.0.0.1:{port}", "--cases", string.Join(',', InteropClient.AllCases)],
            TimeSpan.FromSeconds(120));
    }
}

/// <summary>Debian's python3-grpcio as the client, our server answering.</summary>
public sealed class PythonClientInteropTests(PythonClientRun run) : IClassFixture<PythonClientRun>
{
    public static TheoryData<string> Cases => new(PythonClientRun.Cases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void PythonClient_Case_Passes(string name) => run.AssertPassed(name);
}

/// <summary>npm's @grpc/grpc-js as the client, our server answering.</summary>
public sealed class NodeClientInteropTests(NodeClientRun run) : IClassFixture<NodeClientRun>
{
    public static TheoryData<string> Cases => new(InteropClient.AllCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void NodeClient_Case_Passes(string name) => run.AssertPassed(name);
}
