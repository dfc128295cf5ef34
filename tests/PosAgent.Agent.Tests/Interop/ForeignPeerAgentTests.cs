using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Interop;

/// <summary>
/// Clients the project did not write (Debian's python3-grpcio, npm's @grpc/grpc-js) on the agent's
/// Unix socket: health, reflection, a unary call with a real result and a server stream with a real
/// event (tests/interop/agent_peer.*).
/// </summary>
public sealed class ForeignPeerAgentTests : IAsyncLifetime
{
    private static readonly string Interop = Path.Combine(Repo.Root, "tests", "interop");
    private static readonly string Protos = Path.Combine(Repo.Root, "protos");
    private readonly TempDirectory _dir = new();
    private TestAgent _agent = null!;
    private string _card = null!;

    public async Task InitializeAsync()
    {
        _agent = await TestAgent.StartAsync(_dir);
        _card = TestCards.Csm(41);
        _agent.Parts.Cards.Put(TestCards.CsmSnapshot(_card, 10, DateTimeOffset.UtcNow, 2000));
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task PythonGrpcio_Agent_HealthReflectionUnaryAndStream()
    {
        var stubs = _dir.File("stubs");
        Directory.CreateDirectory(stubs);
        var protoc = await ForeignProcess.RunAsync("protoc", [
            "-I", Protos, "-I", WellKnownProtos.IncludeDirectory, "-I", WellKnownProtos.GoogleApiIncludeDirectory,
            "--python_out=" + stubs, "--grpc_python_out=" + stubs,
            "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
            Path.Combine(Protos, "posagent", "v1", "agent.proto"), .. WellKnownProtos.GoogleApiFiles,
        ]);
        Assert.True(protoc.ExitCode == 0, "protoc failed (./test.sh installs protobuf-compiler and protobuf-compiler-grpc): " + protoc.Error);

        var run = await ForeignProcess.RunAsync("/usr/bin/python3",
            [Path.Combine(Interop, "agent_peer.py"), "--stubs", stubs, "--socket", _agent.Host.SocketPath!, "--card", _card]);

        await AssertTranscript(run);
    }

    [Fact]
    public async Task NodeGrpcJs_Agent_HealthReflectionUnaryAndStream()
    {
        var modules = Path.Combine(Interop, "node_modules");
        Assert.True(Directory.Exists(Path.Combine(modules, "@grpc", "grpc-js")), $"@grpc/grpc-js is not installed: run 'npm install' in {Interop} (./test.sh does).");

        var run = await ForeignProcess.RunAsync("node",
            [Path.Combine(Interop, "agent_peer.js"), "--protos", Protos, "--wkt", WellKnownProtos.IncludeDirectory, "--socket", _agent.Host.SocketPath!, "--card", _card]);

        await AssertTranscript(run);
    }

    private async Task AssertTranscript((int ExitCode, string Output, string Error) run)
    {
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);

        // HealthCheckResponse{status: SERVING}: field 1, varint 1.
        Assert.Equal("HEALTH 0801", lines[0]);

        var services = lines[1]["SERVICES ".Length..].Split(',');
        Assert.Contains("posagent.v1.Checks", services);
        Assert.Contains("posagent.v1.Members", services);
        Assert.Contains("posagent.v1.Terminal", services);
        Assert.Contains("grpc.health.v1.Health", services);

        // 2 x 1234 minor units.
        var check = lines[2].Split(' ');
        Assert.Equal(["CHECK", check[1], "2468"], check);

        Assert.Equal($"EVENT {check[1]} ****{_card[^4..]}", lines[3]);

        // The peer's check is the agent's check: the project's own client reads it back.
        var stored = await _agent.Client.GetCheckAsync(new GetCheckRequest { CheckId = check[1] }).WithTimeout();
        Assert.Equal(2468, stored.TotalMinor);
        Assert.Equal("****" + _card[^4..], stored.Card.MaskedNumber);
    }
}
