using System.Data.Common;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Storage;

/// <summary>The store over ADO.NET: transactions, retries on conflict, migrations.</summary>
internal sealed class SqlLoyaltyStore : ILoyaltyStore
{
    private const int MaxAttempts = 50;
    private readonly SqlDialect _dialect;

    /// <summary>SQLite: all writes go through one writer that commits queued writes together.</summary>
    private readonly GroupCommitWriter? _writer;

    public SqlLoyaltyStore(SqlDialect dialect)
    {
        _dialect = dialect;
        _writer = dialect.SingleWriter ? new GroupCommitWriter(dialect, MaxAttempts) : null;
    }

    public StoreKind Kind => _dialect.Kind;

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await _dialect.LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
        var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var applied = 0;
        foreach (var migration in _dialect.Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)";
            SqlParams.Add(record, "@v", migration.Version);
            SqlParams.Add(record, "@n", migration.Name);
            SqlParams.Add(record, "@t", DateTimeOffset.UtcNow);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            applied++;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await _dialect.BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException)
        {
            return 0;
        }
    }

    public async Task<T> WriteAsync<T>(Func<IStoreSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_writer is not null)
        {
            return await _writer.WriteAsync(work, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunOnceAsync(work, write: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < MaxAttempts && _dialect.IsConflict(ex))
            {
                // Someone else committed first: start over on fresh data.
            }
        }
    }

    public Task<T> ReadAsync<T>(Func<IStoreSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunOnceAsync(work, write: false, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }

        await _dialect.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<T> RunOnceAsync<T>(Func<IStoreSession, CancellationToken, Task<T>> work, bool write, CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = write
            ? await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false)
            : await _dialect.BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var session = new SqlStoreSession(_dialect, connection, transaction);
        var result = await work(session, cancellationToken).ConfigureAwait(false);
        // Commit is not cancellable: once the work is done, it lands or fails, never half-way.
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    private static async Task<int> ReadVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
