using System.Diagnostics;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// The agent a latency run calls: hosted in the benchmark's process, or the real posagent-agent
/// program in a process of its own (as at a checkout, where the POS software is another program).
/// </summary>
internal sealed class AgentUnderTest : IAsyncDisposable
{
    private readonly AgentHost? _host;
    private readonly Process? _process;

    private AgentUnderTest(string socketPath, AgentHost? host, Process? process)
    {
        SocketPath = socketPath;
        _host = host;
        _process = process;
    }

    public string SocketPath { get; }

    public static async Task<AgentUnderTest> StartInProcessAsync(AgentOptions options, CardSnapshot card)
    {
        var host = await AgentHost.StartAsync(options);
        host.Parts.Cards.Put(card);
        return new AgentUnderTest(host.SocketPath!, host, null);
    }

    /// <summary>Seeds the card cache in the agent's database, then runs posagent-agent on it until it says it is ready.</summary>
    public static async Task<AgentUnderTest> StartProcessAsync(AgentOptions options, CardSnapshot card, string logLevel)
    {
        Directory.CreateDirectory(options.DataDirectory);
        using (var store = AgentStore.Open(options.DatabasePath, TimeProvider.System))
        {
            store.PutCard(card);
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        // Its log is read off its output all along, as the journal would.
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "posagent-agent.dll"), "run", "--data-dir", options.DataDirectory, "--programs", options.ProgramsDirectory!, "--log-level", logLevel })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("posagent-agent did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("posagent-agent ready", StringComparison.Ordinal))
            {
                _ = DrainAsync(process.StandardOutput);
                return new AgentUnderTest(options.ResolvedSocketPath, null, process);
            }
        }

        process.Kill();
        throw new InvalidOperationException("posagent-agent closed its output before it was ready (run it by hand with the same arguments to see why)");
    }

    /// <summary>Reads the agent's log until it exits, so its writes never block on a full pipe.</summary>
    private static async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync().ConfigureAwait(false) is not null)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_process is not null)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            _process.Dispose();
        }
    }
}
