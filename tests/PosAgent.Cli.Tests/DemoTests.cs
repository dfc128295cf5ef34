using PosAgent.Demo;

namespace PosAgent.Cli.Tests;

/// <summary>The main command's demo (./run.sh runs posagent-demo), non-interactively, as CI runs it.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_Once_RunsTheCheckoutEndToEndAndCleansUp()
    {
        using var dir = new TempDirectory();
        using var output = new StringWriter();

        var exit = await DemoCommandLine.RunAsync(["--state-dir", dir.Path, "--once"], output, TextWriter.Null, CancellationToken.None).WithTimeout(TimeSpan.FromSeconds(120));

        var text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains($"agent local API   unix socket {Path.Combine(dir.Path, "agent", "agent.sock")}", text, StringComparison.Ordinal);
        Assert.Contains($"scanner           {Path.Combine(dir.Path, "sim", "scanner")} -> /dev/pts/", text, StringComparison.Ordinal);
        Assert.Contains($"receipts          {Path.Combine(dir.Path, "sim", "receipts")}", text, StringComparison.Ordinal);
        Assert.Contains("the agent attached ****0014 (INV-KZ, tier Silver, 500 points usable, Central)", text, StringComparison.Ordinal);
        Assert.Contains("4. paid 300 points + 5,400.00 KZT cash", text, StringComparison.Ordinal);
        Assert.Contains("redemption Online", text, StringComparison.Ordinal);
        Assert.Contains("demo checkout done; stopping (--once)", text, StringComparison.Ordinal);

        var receipt = Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "sim", "receipts"), "*.txt"));
        var printed = await File.ReadAllTextAsync(receipt);
        Assert.Contains("****0014", printed, StringComparison.Ordinal);
        Assert.Matches(@"Списано баллов\s+300", printed); // INV-KZ receipts default to Russian
        Assert.Contains("INVITRO (demo)", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("2601000000014", printed, StringComparison.Ordinal);

        // Ctrl+C or --once: sockets and device links are gone, the state stays.
        Assert.False(File.Exists(Path.Combine(dir.Path, "agent", "agent.sock")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "sim", "scanner")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "sim", "control.sock")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "central", "central.db")));
    }

    [Fact]
    public async Task Demo_SecondRun_ReusesTheSeededMembers()
    {
        using var dir = new TempDirectory();
        using var first = new StringWriter();
        Assert.Equal(0, await DemoCommandLine.RunAsync(["--state-dir", dir.Path, "--once"], first, TextWriter.Null, CancellationToken.None).WithTimeout(TimeSpan.FromSeconds(120)));
        using var second = new StringWriter();

        var exit = await DemoCommandLine.RunAsync(["--state-dir", dir.Path, "--once"], second, TextWriter.Null, CancellationToken.None).WithTimeout(TimeSpan.FromSeconds(120));

        Assert.True(exit == 0, second.ToString());
        // The first checkout left 740 points (500 welcome - 300 spent + 540 earned).
        Assert.Contains("the agent attached ****0014 (INV-KZ, tier Silver, 740 points usable, Central)", second.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_NoProgramFiles_SaysWhichFolderAndExitsTwo()
    {
        using var dir = new TempDirectory();
        using var error = new StringWriter();

        var exit = await DemoCommandLine.RunAsync(["--state-dir", dir.Path, "--programs", dir.Path, "--once"], TextWriter.Null, error, CancellationToken.None).WithTimeout();

        Assert.Equal(2, exit);
        Assert.Contains($"--programs: '{dir.Path}' has no program files (*.json)", error.ToString(), StringComparison.Ordinal);
    }
}
