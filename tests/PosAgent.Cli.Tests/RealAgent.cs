using System.Reflection;
using PosAgent.Agent;

namespace PosAgent.Cli.Tests;

/// <summary>
/// The real agent (AgentHost) in this process: its own SQLite file and socket in a temp folder, the
/// repository's program files, no central service (offline: sales are estimated and queued).
/// </summary>
internal sealed class RealAgent : IAsyncDisposable
{
    /// <summary>An INV-KZ card number (prefix 2601, EAN-13 check digit).</summary>
    public const string Card = "2601000000014";

    private readonly AgentHost _host;
    private readonly TempDirectory _directory;

    private RealAgent(AgentHost host, TempDirectory directory)
    {
        _host = host;
        _directory = directory;
    }

    public static string RepoRoot { get; } = typeof(RealAgent).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    public string SocketPath => _host.SocketPath!;

    public string DataDirectory => _host.Options.DataDirectory;

    public static async Task<RealAgent> StartAsync()
    {
        var directory = new TempDirectory();
        try
        {
            var options = new AgentOptions
            {
                TerminalId = "cli-test-lane",
                DataDirectory = directory.Path,
                ProgramsDirectory = Path.Combine(RepoRoot, "programs"),
            };
            var host = await AgentHost.StartAsync(options).WithTimeout();
            return new RealAgent(host, directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _directory.Dispose();
    }
}
