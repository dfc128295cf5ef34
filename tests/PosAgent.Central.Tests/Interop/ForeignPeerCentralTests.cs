using PosAgent.Central.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Interop;

/// <summary>
/// Clients the project did not write (Debian's python3-grpcio, npm's @grpc/grpc-js) on the central
/// service's loopback port: health, reflection, a unary call with a real result and WatchChanges
/// sending a real change (tests/interop/central_peer.*).
/// </summary>
public sealed class ForeignPeerCentralTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-central-");
    private CentralHarness _h = null!;
    private string _card = null!;
    private long _cursor;
    private long _blockedAt;

    private static string RepoRoot { get; } = FindRoot();

    private static string Interop => Path.Combine(RepoRoot, "tests", "interop");

    private static string Protos => Path.Combine(RepoRoot, "protos");

    private string Target => new Uri(_h.Address).Authority;

    public async Task InitializeAsync()
    {
        _h = await CentralHarness.StartAsync(_dir.File("central.db"));
        _card = await _h.RegisterAsync("INV-KZ");
        _cursor = (await _h.Terminal.SnapshotAsync(_card).WithTimeout()).ChangeCursor;
        await _h.Admin.BlockAsync(_card, "suspicious operations").WithTimeout();
        _blockedAt = Assert.Single((await _h.Terminal.PullAsync(_cursor).WithTimeout()).Changes).Cursor;
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task PythonGrpcio_Central_HealthReflectionUnaryAndStream()
    {
        var stubs = _dir.File("stubs");
        Directory.CreateDirectory(stubs);
        var protoc = await ForeignProcess.RunAsync("protoc", [
            "-I", Protos, "-I", WellKnownProtos.IncludeDirectory,
            "--python_out=" + stubs, "--grpc_python_out=" + stubs,
            "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
            Path.Combine(Protos, "loyalty", "v1", "common.proto"),
            Path.Combine(Protos, "loyalty", "v1", "terminal.proto"),
        ]);
        Assert.True(protoc.ExitCode == 0, "protoc failed (./test.sh installs protobuf-compiler and protobuf-compiler-grpc): " + protoc.Error);

        var run = await ForeignProcess.RunAsync("/usr/bin/python3",
            [Path.Combine(Interop, "central_peer.py"), "--stubs", stubs, "--target", Target, "--token", _h.TerminalToken, "--card", _card, "--cursor", _cursor.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        AssertTranscript(run);
    }

    [Fact]
    public async Task NodeGrpcJs_Central_HealthReflectionUnaryAndStream()
    {
        var modules = Path.Combine(Interop, "node_modules");
        Assert.True(Directory.Exists(Path.Combine(modules, "@grpc", "grpc-js")), $"@grpc/grpc-js is not installed: run 'npm install' in {Interop} (./test.sh does).");

        var run = await ForeignProcess.RunAsync("node",
            [Path.Combine(Interop, "central_peer.js"), "--protos", Protos, "--wkt", WellKnownProtos.IncludeDirectory, "--target", Target, "--token", _h.TerminalToken, "--card", _card, "--cursor", _cursor.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        AssertTranscript(run);
    }

    private void AssertTranscript((int ExitCode, string Output, string Error) run)
    {
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);

        // HealthCheckResponse{status: SERVING}: field 1, varint 1.
        Assert.Equal("HEALTH 0801", lines[0]);

        var services = lines[1]["SERVICES ".Length..].Split(',');
        Assert.Contains("posagent.loyalty.v1.LoyaltyTerminalService", services);
        Assert.Contains("posagent.loyalty.v1.LoyaltyAdminService", services);
        Assert.Contains("grpc.health.v1.Health", services);

        Assert.Equal($"SNAPSHOT {_card} CARD_STATE_BLOCKED", lines[2]);
        Assert.Equal($"CHANGE {_blockedAt} {_card} CARD_STATE_BLOCKED", lines[3]);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PosAgent.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("PosAgent.sln not found above " + AppContext.BaseDirectory);
    }
}
