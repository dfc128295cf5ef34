using System.Diagnostics;
using PosAgent.Rules;
using PosAgent.TestSupport;

namespace PosAgent.Rules.Tests;

/// <summary>The programs folder is read without blocking on FIFOs or throwing on broken links.</summary>
public sealed class ProgramFolderTests
{
    [Fact]
    public async Task Read_FifoDanglingLinkFolderEmptyAndGoodFile_OnlyTheGoodFileIsReadOthersSayWhy()
    {
        using var dir = new TempDirectory("pa-folder-");
        File.Copy(Path.Combine(ProgramFiles.Directory, "csm.json"), dir.File("a-good.json"));
        Mkfifo(dir.File("b-fifo.json"));
        File.CreateSymbolicLink(dir.File("c-dangling.json"), dir.File("nowhere.json"));
        Directory.CreateDirectory(dir.File("d-folder.json"));
        File.WriteAllText(dir.File("e-empty.json"), string.Empty);
        File.CreateSymbolicLink(dir.File("f-link.json"), dir.File("a-good.json"));
        File.WriteAllText(dir.File("not-json.txt"), "ignored");

        // A plain read of the FIFO would block until a writer opened it: the bounded wait fails then.
        var entries = await Task.Run(() => ProgramFolder.Read(dir.Path)).WithTimeout(TimeSpan.FromSeconds(20));

        Assert.Equal(["a-good.json", "b-fifo.json", "c-dangling.json", "d-folder.json", "e-empty.json", "f-link.json"], entries.Select(e => Path.GetFileName(e.Path)));
        Assert.Equal("CSM", LoyaltyProgram.Parse(entries[0].Json!, entries[0].Path).Id);
        Assert.Contains("not a regular file", entries[1].SkipReason, StringComparison.Ordinal);
        Assert.Contains("dangling symbolic link", entries[2].SkipReason, StringComparison.Ordinal);
        Assert.Contains("folder", entries[3].SkipReason, StringComparison.Ordinal);
        Assert.Contains("empty", entries[4].SkipReason, StringComparison.Ordinal);
        Assert.Equal(entries[0].Json, entries[5].Json);
        Assert.All(entries.Where(e => e.Json is null), e => Assert.NotNull(e.SkipReason));
    }

    [Fact]
    public void Read_FileLargerThanTheLimit_SkippedWithItsSize()
    {
        using var dir = new TempDirectory("pa-folder-");
        File.WriteAllText(dir.File("huge.json"), "[" + new string(' ', (int)ProgramFolder.MaxFileBytes) + "]");

        var entry = Assert.Single(ProgramFolder.Read(dir.Path));

        Assert.Null(entry.Json);
        Assert.Contains("at most 1048576", entry.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_Fifo_ThrowsNamingTheFileInsteadOfHanging()
    {
        using var dir = new TempDirectory("pa-folder-");
        Mkfifo(dir.File("x.json"));

        var ex = Assert.Throws<ProgramFileException>(() => LoyaltyProgram.LoadDirectory(dir.Path));

        Assert.EndsWith("x.json", ex.File, StringComparison.Ordinal);
    }

    private static void Mkfifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
