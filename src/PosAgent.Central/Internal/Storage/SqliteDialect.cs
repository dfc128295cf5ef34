using System.Data;
using System.Runtime.CompilerServices;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Storage;

/// <summary>
/// SQLite in WAL mode with synchronous=FULL: every commit is on disk before the service
/// answers (NORMAL could lose the last commits on power loss, and a terminal that was told
/// "applied" must never see them vanish). Writers are queued in-process (one at a time, see
/// <see cref="GroupCommitWriter"/>) and use BEGIN IMMEDIATE, so a transaction never upgrades
/// from read to write half-way.
/// Measured with the ingestion benchmark (strace counts per applied sale): temp_store=MEMORY
/// keeps the savepoints' statement journals out of temporary files, and a 32 MiB page cache
/// keeps the index pages a batch walks; together they cut the page writes per sale from 21 to
/// 8 and the page reads from 13 to 7. A checkpoint every 8,000 WAL pages (32 MiB) instead of
/// 1,000 copies pages that many commits touch (index interior pages, regulars' accounts) once.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];
    private static readonly object Marker = new();
    private readonly string _connectionString;

    public SqliteDialect(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            PosAgent.Storage.DurableFolder.Create(directory, PosAgent.Storage.DurableFolder.OwnerOnly);
        }

        // Members, cards and the whole ledger: readable by the service's user only.
        PosAgent.Storage.DurableFolder.CreatePrivateFile(path);

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public override StoreKind Kind => StoreKind.Sqlite;

    public override string ForUpdate => string.Empty;

    public override bool SingleWriter => true;

    public override IReadOnlyList<Migration> Migrations => SchemaMigrations.Sqlite;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // The pool hands back the same native connection many times (a read per batch):
            // its settings stay, so they are applied once per native connection.
            var handle = connection.Handle;
            if (handle is not null && Configured.TryGetValue(handle, out _))
            {
                return connection;
            }

            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; " +
                "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (handle is not null)
            {
                Configured.AddOrUpdate(handle, Marker);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Microsoft.Data.Sqlite: a non-deferred transaction is BEGIN IMMEDIATE.
    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: true));

    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public override string InList(DbCommand command, string column, IReadOnlyCollection<string> values)
    {
        if (values.Count == 0)
        {
            return "1 = 0";
        }

        var names = new List<string>(values.Count);
        var i = 0;
        foreach (var value in values)
        {
            var name = $"@in_{column}_{i++}";
            SqlParams.Add(command, name, value);
            names.Add(name);
        }

        return $"{column} IN ({string.Join(',', names)})";
    }

    public override bool IsConflict(Exception exception) =>
        exception is StoreConflictException
        || exception is SqliteException { SqliteErrorCode: 5 or 6 } // BUSY, LOCKED
        || exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 }; // UNIQUE, PRIMARY KEY

    public override ValueTask DisposeAsync()
    {
        // This store's pool only: ClearAllPools would also close the idle connections of any other
        // store in the process (two instances in one test run, the CLI beside a server).
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
