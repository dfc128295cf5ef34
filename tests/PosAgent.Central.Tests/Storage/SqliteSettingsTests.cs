using PosAgent.Central.Internal.Storage;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Storage;

/// <summary>The central SQLite store runs WAL with synchronous=FULL, read back from SQLite on a connection the service uses.</summary>
public sealed class SqliteSettingsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CentralStore_IsWalWithFullSync()
    {
        var dialect = new SqliteDialect(_dir.File("state/central.db"));
        await using var connection = await dialect.OpenAsync(CancellationToken.None).WithTimeout();
        await using var command = connection.CreateCommand();

        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA synchronous";
        Assert.Equal(2L, await command.ExecuteScalarAsync());
    }
}
