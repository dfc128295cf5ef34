using System.Data.Common;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Storage;

/// <summary>What differs between SQLite and PostgreSQL; the SQL of <see cref="SqlStoreSession"/> is shared.</summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    public abstract StoreKind Kind { get; }

    /// <summary>Appended to a SELECT that must lock the rows it reads.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>True when only one writer may run at a time (SQLite): writes queue in-process instead of spinning on SQLITE_BUSY.</summary>
    public abstract bool SingleWriter { get; }

    public abstract IReadOnlyList<Migration> Migrations { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Keeps two processes from migrating at once (inside the migration transaction).</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Writes "column IN (...)" for <paramref name="values"/>, adding the parameters to <paramref name="command"/>.</summary>
    public abstract string InList(DbCommand command, string column, IReadOnlyCollection<string> values);

    /// <summary>A unique-key race, a serialization failure, a deadlock or a busy database: retry the unit.</summary>
    public abstract bool IsConflict(Exception exception);

    public abstract ValueTask DisposeAsync();
}

/// <summary>One versioned schema step.</summary>
internal sealed record Migration(int Version, string Name, string Sql);
