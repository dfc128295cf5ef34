using PosAgent.Central.Storage;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Storage;

/// <summary>The central's SQLite store is created readable by its own user only.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    [Fact]
    public async Task Open_NewStateFolder_Folder0700_DatabaseAndWal0600()
    {
        using var dir = new TempDirectory("pa-central-modes-");
        var state = Path.Combine(dir.Path, "state", "nested");
        var database = Path.Combine(state, "central.db");

        await using (var store = LoyaltyStores.Open(database))
        {
            await store.MigrateAsync(CancellationToken.None).WithTimeout();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database));

            // The -wal file lives while any connection is open. The store's are pooled, and another test
            // class running alongside may clear every pool (ClearAllPools is process-wide), so hold one
            // unpooled connection of our own while looking.
            using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
            holder.Open();
            using (var read = holder.CreateCommand())
            {
                read.CommandText = "SELECT count(*) FROM sqlite_master";
                read.ExecuteScalar();
            }

            Assert.True(File.Exists(database + "-wal"), "WAL mode keeps a -wal file while the store is open");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database + "-wal"));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
