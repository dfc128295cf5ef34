using System.Diagnostics;
using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

/// <summary>
/// One bad entry in the programs folder must not stop a lane: each is skipped with a warning
/// naming the file, the agent starts with the good programs and still stops on SIGTERM.
/// </summary>
public sealed class BadProgramFolderTests
{
    [Fact]
    public async Task Run_ProgramsFolderWithJunkFifoAndDanglingLink_StartsWithTheGoodProgramAndWarnsPerFile()
    {
        using var dir = new TempDirectory("pa-badprog-");
        var programs = Directory.CreateDirectory(Path.Combine(dir.Path, "programs")).FullName;
        File.Copy(Path.Combine(Repo.ProgramsDirectory, "csm.json"), Path.Combine(programs, "csm.json"));
        var junk = new Dictionary<string, string>
        {
            ["array.json"] = "[]",
            ["null.json"] = "null",
            ["number.json"] = "5",
            ["numeric-id.json"] = """{"id":5}""",
        };
        foreach (var (name, text) in junk)
        {
            await File.WriteAllTextAsync(Path.Combine(programs, name), text);
        }

        File.CreateSymbolicLink(Path.Combine(programs, "dangling.json"), Path.Combine(dir.Path, "gone.json"));
        MakeFifo(Path.Combine(programs, "fifo.json"));

        await using var agent = await AgentProcess.StartAsync(Path.Combine(dir.Path, "data"), "terminal-badprog", central: null, token: null, logLevel: "Information", programsDirectory: programs);
        var check = await agent.Client.OpenCheckAsync(new Contracts.PosAgent.V1.OpenCheckRequest()).WithTimeout();
        Assert.False(string.IsNullOrEmpty(check.CheckId));

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(20)));
        var log = string.Join('\n', agent.Output);
        foreach (var name in junk.Keys.Append("dangling.json").Append("fifo.json"))
        {
            Assert.Contains($"Program from {Path.Combine(programs, name)} not loaded", log, StringComparison.Ordinal);
        }

        Assert.Contains("dangling symbolic link", log, StringComparison.Ordinal);
        Assert.Contains("not a regular file", log, StringComparison.Ordinal);
        Assert.Contains("Program CSM version", log, StringComparison.Ordinal);
        Assert.Contains($"loaded from {Path.Combine(programs, "csm.json")}", log, StringComparison.Ordinal);
    }

    internal static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
