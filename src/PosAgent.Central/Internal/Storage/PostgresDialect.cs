using System.Data;
using System.Data.Common;
using Npgsql;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Storage;

/// <summary>
/// PostgreSQL through Npgsql: READ COMMITTED transactions that lock the accounts they change
/// (SELECT ... FOR UPDATE, in account-id order so two instances never deadlock), unique keys
/// for exactly-once, and an optimistic version check as a second guard.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public override StoreKind Kind => StoreKind.PostgreSql;

    public override string ForUpdate => " FOR UPDATE";

    public override bool SingleWriter => false;

    public override IReadOnlyList<Migration> Migrations => SchemaMigrations.Postgres;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

    public override async Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // An arbitrary constant key: "PosAgent" migrations, one instance at a time.
        command.CommandText = "SELECT pg_advisory_xact_lock(7303417290240)";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override string InList(DbCommand command, string column, IReadOnlyCollection<string> values)
    {
        var name = $"@in_{column}";
        var parameter = new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = values.ToArray() };
        command.Parameters.Add(parameter);
        return $"{column} = ANY({name})";
    }

    public override bool IsConflict(Exception exception) =>
        exception is StoreConflictException
        || exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
