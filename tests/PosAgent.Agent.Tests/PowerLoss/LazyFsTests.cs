using Microsoft.Data.Sqlite;
using PosAgent.Storage;
using PosAgent.TestSupport;
using PosAgent.TestSupport.PowerLoss;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>
/// The power-cut filesystem itself: what it keeps and what it drops, so the power-loss tests
/// prove something. A cut keeps exactly what was fsync'ed: file data after fsync of the file,
/// names after fsync of their folder.
/// </summary>
[Collection(PowerLossCollection.Name)]
public sealed class LazyFsTests : IAsyncLifetime
{
    private LazyFsMount _fs = null!;

    public async Task InitializeAsync() => _fs = await LazyFsMount.MountAsync();

    public async Task DisposeAsync() => await _fs.DisposeAsync();

    private static void Write(string path, string text, bool fsync, FileMode mode = FileMode.Create)
    {
        using var stream = new FileStream(path, mode, FileAccess.Write);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        stream.Write(bytes);
        stream.Flush(flushToDisk: fsync);
    }

    [Fact]
    public async Task PowerLoss_UnsyncedWrite_IsLost_SyncedWriteKept()
    {
        Write(_fs.File("kept"), "synced", fsync: true);
        Write(_fs.File("lost"), "never synced", fsync: false);
        DurableFolder.Sync(_fs.Path);
        Write(_fs.File("kept"), "+appended", fsync: false, FileMode.Append);
        Assert.Equal("synced+appended", File.ReadAllText(_fs.File("kept")));

        await _fs.CutPowerAsync();

        Assert.Equal("synced", File.ReadAllText(_fs.File("kept")));
        Assert.Equal(string.Empty, File.ReadAllText(_fs.File("lost")));
    }

    [Fact]
    public async Task PowerLoss_NewFileWithoutFolderSync_Vanishes()
    {
        Directory.CreateDirectory(_fs.File("folder"));
        Write(_fs.File("folder/data"), "synced data, unsynced name", fsync: true);
        DurableFolder.Sync(_fs.Path);

        await _fs.CutPowerAsync();

        Assert.True(Directory.Exists(_fs.File("folder")));
        Assert.False(File.Exists(_fs.File("folder/data")));
    }

    [Fact]
    public async Task PowerLoss_NewFolderWithoutParentSync_Vanishes()
    {
        Directory.CreateDirectory(_fs.File("folder"));
        Write(_fs.File("folder/data"), "x", fsync: true);
        DurableFolder.Sync(_fs.File("folder"));

        await _fs.CutPowerAsync();

        Assert.False(Directory.Exists(_fs.File("folder")));
    }

    [Fact]
    public async Task PowerLoss_RenameAndDelete_UndoneWithoutFolderSync_KeptWithIt()
    {
        Write(_fs.File("a"), "A", fsync: true);
        Write(_fs.File("b"), "B", fsync: true);
        DurableFolder.Sync(_fs.Path);
        File.Move(_fs.File("a"), _fs.File("renamed"));
        File.Delete(_fs.File("b"));

        await _fs.CutPowerAsync();

        Assert.Equal("A", File.ReadAllText(_fs.File("a")));
        Assert.Equal("B", File.ReadAllText(_fs.File("b")));
        Assert.False(File.Exists(_fs.File("renamed")));

        File.Move(_fs.File("a"), _fs.File("renamed"));
        File.Delete(_fs.File("b"));
        DurableFolder.Sync(_fs.Path);
        await _fs.CutPowerAsync();

        Assert.Equal("A", File.ReadAllText(_fs.File("renamed")));
        Assert.False(File.Exists(_fs.File("a")));
        Assert.False(File.Exists(_fs.File("b")));
    }

    /// <summary>
    /// The control: SQLite that never fsyncs (synchronous=OFF) loses its committed rows on a cut,
    /// the same workload with synchronous=FULL keeps every one. Run by the sqlite3 shell, its own
    /// process, which exits before the cut as a program does when the power goes.
    /// </summary>
    [Theory]
    [InlineData("OFF", 0)]
    [InlineData("FULL", 50)]
    public async Task PowerLoss_SqliteCommits_LostWithSynchronousOff_KeptWithFull(string synchronous, int expectedRows)
    {
        var database = _fs.File($"control-{synchronous}.db");
        await SqliteShellAsync(database, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(x);");
        var inserts = new System.Text.StringBuilder($"PRAGMA synchronous={synchronous};");
        for (var i = 0; i < 50; i++)
        {
            inserts.Append(System.Globalization.CultureInfo.InvariantCulture, $"INSERT INTO t VALUES ({i});");
        }

        await SqliteShellAsync(database, inserts.ToString());
        Assert.Equal(50, CountRows(database));

        await _fs.CutPowerAsync();

        Assert.Equal(expectedRows, CountRows(database));
    }

    private static async Task SqliteShellAsync(string database, string sql)
    {
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sqlite3", [database, sql]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        await shell.WaitForExitAsync().WithTimeout();
        Assert.Equal(0, shell.ExitCode);
    }

    private static long CountRows(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM t";
        return (long)command.ExecuteScalar()!;
    }
}

/// <summary>Power-loss tests run alone: each mount is served by one thread, and cuts are timed against a loaded machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PowerLossCollection
{
    public const string Name = "power loss";
}
