using Npgsql;
using PosAgent.Central.Storage;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Support;

/// <summary>Where a test's store lives: a fresh SQLite file, or a fresh PostgreSQL database per test class.</summary>
public abstract class StoreProvider : IAsyncLifetime
{
    /// <summary>The connection setting for <see cref="LoyaltyStores.Open"/>.</summary>
    public abstract string Connection { get; }

    public abstract StoreKind Kind { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    public async Task<ILoyaltyStore> OpenMigratedAsync()
    {
        var store = LoyaltyStores.Open(Connection);
        await store.MigrateAsync(CancellationToken.None).WithTimeout();
        return store;
    }
}

public sealed class SqliteStoreProvider : StoreProvider
{
    private readonly TempDirectory _dir = new("pa-central-");

    public override string Connection => _dir.File("central.db");

    public override StoreKind Kind => StoreKind.Sqlite;

    public override Task InitializeAsync() => Task.CompletedTask;

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A database of its own on the test PostgreSQL server (POSAGENT_TEST_PG, started by test.sh).</summary>
public sealed class PostgresStoreProvider : StoreProvider
{
    private readonly string _database = "pa_" + Guid.NewGuid().ToString("N")[..16];
    private string? _connection;

    public override string Connection => _connection ?? throw new InvalidOperationException("Not initialized.");

    public override StoreKind Kind => StoreKind.PostgreSql;

    public static string ServerConnection =>
        Environment.GetEnvironmentVariable("POSAGENT_TEST_PG") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "POSAGENT_TEST_PG is not set: run ./test.sh (it starts PostgreSQL), or `source tests/setup/postgres.sh; start_test_postgres` first.");

    public override async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(ServerConnection))
        {
            await admin.OpenAsync().WithTimeout();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", admin);
            await create.ExecuteNonQueryAsync().WithTimeout();
        }

        _connection = new NpgsqlConnectionStringBuilder(ServerConnection) { Database = _database, MaxPoolSize = 40 }.ToString();
    }

    public override async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnection);
        await admin.OpenAsync().WithTimeout();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync().WithTimeout();
    }
}
