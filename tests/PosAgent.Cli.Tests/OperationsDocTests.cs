using System.Text.RegularExpressions;

namespace PosAgent.Cli.Tests;

/// <summary>docs/operations.md's backup commands, run as written (paths swapped) on a live agent's SQLite file.</summary>
public sealed class OperationsDocTests
{
    [Fact]
    public async Task BackupCommands_LiveAgentDatabase_GiveCopiesThatPassTheIntegrityCheck()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(RealAgent.RepoRoot, "docs", "operations.md"));
        var backup = Regex.Match(doc, @"^sqlite3 /var/lib/posagent/agent\.db ""\.backup '/var/backups/posagent/agent-\$\(date \+%F\)\.db'""$", RegexOptions.Multiline);
        var vacuum = Regex.Match(doc, @"^sqlite3 /var/lib/posagent-central/central\.db ""VACUUM INTO '/var/backups/posagent/central-\$\(date \+%F\)\.db'""$", RegexOptions.Multiline);
        Assert.True(backup.Success && vacuum.Success, "operations.md no longer shows the backup commands this test runs");
        await using var agent = await RealAgent.StartAsync();
        var open = await CliRun.RunAsync("--json", "--socket", agent.SocketPath, "open", "--line", "lab:10000");
        var checkId = System.Text.Json.JsonDocument.Parse(open.Output).RootElement.GetProperty("checkId").GetString()!;
        Assert.Equal(0, (await CliRun.RunAsync("--socket", agent.SocketPath, "commit", checkId)).ExitCode);
        using var backups = new TempDirectory();
        var database = Path.Combine(agent.DataDirectory, "agent.db");

        // The agent keeps running (WAL mode) while both copies are taken.
        var online = await ExternalProcess.RunAsync("sqlite3", [database, $".backup '{backups.File("agent-backup.db")}'"]);
        var vacuumed = await ExternalProcess.RunAsync("sqlite3", [database, $"VACUUM INTO '{backups.File("agent-vacuum.db")}'"]);

        Assert.True(online.ExitCode == 0, online.Error);
        Assert.True(vacuumed.ExitCode == 0, vacuumed.Error);
        foreach (var copy in new[] { backups.File("agent-backup.db"), backups.File("agent-vacuum.db") })
        {
            var check = await ExternalProcess.RunAsync("sqlite3", [copy, "PRAGMA integrity_check"]);
            Assert.Equal("ok", check.Output.Trim());
            // The acknowledged sale is in the copy, though it may still sit in the live file's WAL.
            var outbox = await ExternalProcess.RunAsync("sqlite3", [copy, "SELECT count(*) FROM outbox"]);
            Assert.Equal("1", outbox.Output.Trim());
        }
    }

    [Fact]
    public async Task AgentConfigExample_CheckConfig_AcceptsIt()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(RealAgent.RepoRoot, "docs", "operations.md"));
        var json = Regex.Match(doc, "```json\n(.*?)```", RegexOptions.Singleline);
        Assert.True(json.Success, "operations.md no longer shows the agent's JSON configuration");
        using var dir = new TempDirectory();
        // The example's CA file must exist to validate; everything else is taken as written.
        await File.WriteAllTextAsync(dir.File("central-ca.pem"), string.Empty);
        await File.WriteAllTextAsync(dir.File("agent.json"), json.Groups[1].Value.Replace("/etc/posagent/central-ca.pem", dir.File("central-ca.pem"), StringComparison.Ordinal));
        var agentDll = Path.Combine(AppContext.BaseDirectory, "posagent-agent.dll");

        var run = await ExternalProcess.RunAsync("dotnet", [agentDll, "check-config", "--config", dir.File("agent.json")]);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("\"ScannerPath\": \"/dev/ttyACM0\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"ResolvedSocketPath\": \"/run/posagent/agent.sock\"", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentCheckConfig_TokenGiven_PrintedMaskedNeverInClear()
    {
        using var dir = new TempDirectory();
        const string token = "s3cret-terminal-token-0123456789";
        var agentDll = Path.Combine(AppContext.BaseDirectory, "posagent-agent.dll");

        var run = await ExternalProcess.RunAsync("dotnet", [agentDll, "check-config", "--data-dir", dir.Path, "--central", "http://127.0.0.1:1", "--token", token]);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.DoesNotContain(token, run.Output + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", run.Output + run.Error, StringComparison.Ordinal);
        Assert.Contains("\"CentralToken\": \"(set, 32 characters)\"", run.Output, StringComparison.Ordinal);
    }
}
