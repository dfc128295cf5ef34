namespace PosAgent.Cli.Tests;

/// <summary>
/// The integration guide's examples (docs/examples), each run as written against the real agent:
/// C# with the project's client, Python with Debian's python3-grpcio, Node with @grpc/grpc-js.
/// </summary>
public sealed class IntegrationGuideExampleTests
{
    private static readonly string Examples = Path.Combine(RealAgent.RepoRoot, "docs", "examples");

    [Fact]
    public async Task CSharpExample_RealAgent_CommitsAndShowsTheRefusal()
    {
        await using var agent = await RealAgent.StartAsync();
        using var output = new StringWriter();

        var operationId = await PosAgent.Examples.CheckoutExample.RunAsync(agent.SocketPath, RealAgent.Card, output).WithTimeout();

        AssertCheckoutTranscript(output.ToString(), "InvalidArgument");
        Assert.Contains($"OK {operationId}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonExample_RealAgent_CommitsAndShowsTheRefusal()
    {
        using var stubs = new TempDirectory();
        var protoc = await ExternalProcess.RunAsync("protoc", [
            "-I", Path.Combine(RealAgent.RepoRoot, "protos"),
            "-I", WellKnownProtos.IncludeDirectory,
            "-I", WellKnownProtos.GoogleApiIncludeDirectory,
            "--python_out=" + stubs.Path, "--grpc_python_out=" + stubs.Path,
            "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
            Path.Combine(RealAgent.RepoRoot, "protos", "posagent", "v1", "agent.proto"), .. WellKnownProtos.GoogleApiFiles,
        ]);
        Assert.True(protoc.ExitCode == 0, "protoc failed (./test.sh installs protobuf-compiler and protobuf-compiler-grpc; google/protobuf/*.proto come from Grpc.Tools): " + protoc.Error);
        await using var agent = await RealAgent.StartAsync();

        var run = await ExternalProcess.RunAsync("/usr/bin/python3", [Path.Combine(Examples, "python", "checkout.py"), agent.SocketPath, RealAgent.Card],
            new Dictionary<string, string> { ["PYTHONPATH"] = stubs.Path });

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        AssertCheckoutTranscript(run.Output, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task NodeExample_RealAgent_CommitsAndShowsTheRefusal()
    {
        // The packages of the gRPC layer's interop tests (tests/interop/package.json), installed by ./test.sh.
        var modules = Path.Combine(RealAgent.RepoRoot, "tests", "interop", "node_modules");
        Assert.True(Directory.Exists(Path.Combine(modules, "@grpc", "grpc-js")), $"@grpc/grpc-js is not installed: run 'npm install' in {Path.GetDirectoryName(modules)} (./test.sh does).");
        await using var agent = await RealAgent.StartAsync();

        var run = await ExternalProcess.RunAsync("node", [Path.Combine(Examples, "node", "checkout.js"), agent.SocketPath, RealAgent.Card],
            new Dictionary<string, string> { ["NODE_PATH"] = modules });

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        AssertCheckoutTranscript(run.Output, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task CurlExample_RealAgent_HttpJsonQuoteCommitAndRefusal()
    {
        await using var agent = await RealAgent.StartAsync();

        var run = await ExternalProcess.RunAsync("bash", [Path.Combine(Examples, "curl", "checkout.sh"), agent.SocketPath, RealAgent.Card]);

        Assert.True(run.ExitCode == 0, "curl example failed (./test.sh installs curl): " + run.Output + run.Error);
        Assert.Contains("agent cli-test-lane: 0 operations pending", run.Output, StringComparison.Ordinal);
        // The same validation and message as over gRPC, as JSON with the status code (3: INVALID_ARGUMENT).
        Assert.Matches(@"refused as expected: \{""code"":3,""message"":""unit_price_minor: -1 is negative[^""]*"",""details"":\[\]\}", run.Output);
        Assert.Matches(@"earns [1-9]\d*, may spend up to \d+", run.Output);
        Assert.Matches(@"committed [0-9a-f-]{36}: earned [1-9]\d*, balance \d+", run.Output);
        Assert.Matches(@"OK [0-9a-f-]{36}", run.Output);
    }

    private static void AssertCheckoutTranscript(string output, string invalidArgumentName)
    {
        Assert.Contains("agent cli-test-lane: central ", output, StringComparison.Ordinal);
        Assert.Contains($"refused as expected: {invalidArgumentName}: ", output, StringComparison.Ordinal);
        Assert.Contains("card ****0014: earns ", output, StringComparison.Ordinal);
        Assert.Matches(@"committed [0-9a-f-]{36}: earned \d+, spent \d+, balance \d+ \(pending\)", output);
        Assert.Matches(@"OK [0-9a-f-]{36}", output);
    }
}

/// <summary>The guide quotes each example file whole, so what readers copy is what the tests run.</summary>
public sealed class IntegrationGuideTextTests
{
    [Theory]
    [InlineData("csharp/Checkout.cs")]
    [InlineData("python/checkout.py")]
    [InlineData("node/checkout.js")]
    [InlineData("curl/checkout.sh")]
    public void IntegrationGuide_Example_IsQuotedVerbatim(string example)
    {
        var guide = File.ReadAllText(Path.Combine(RealAgent.RepoRoot, "docs", "integration-guide.md"));
        var code = File.ReadAllText(Path.Combine(RealAgent.RepoRoot, "docs", "examples", example));

        Assert.Contains("\n" + code + "```", guide, StringComparison.Ordinal);
    }
}
