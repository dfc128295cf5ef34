using Microsoft.Data.Sqlite;

namespace PosAgent.Agent.Internal.Storage;

/// <summary>
/// Whether the agent's database can still take writes, as its writes find out: a write that
/// fails for a storage reason (disk full, I/O error, the file turned read-only or unreachable,
/// corruption) makes it failing; the next write that commits makes it healthy again. Only
/// transitions raise <see cref="Changed"/> (health statuses and the log follow them once each).
/// A failed sale is not retried here: while failing, the agent probes with a small write of its
/// own (<see cref="AgentStore.Probe"/>) so it notices recovery without waiting for a sale.
/// </summary>
internal sealed class StoreHealth
{
    private readonly Lock _gate = new();
    private volatile bool _failing;

    /// <summary>Raised on each transition, outside the store's lock: true = failing (with the error), false = recovered.</summary>
    public event Action<bool, string?>? Changed;

    public bool Failing => _failing;

    /// <summary>The error of the write that made the store failing; null while healthy.</summary>
    public string? LastError { get; private set; }

    /// <summary>True for the SQLite results that mean the storage itself failed, not the statement.</summary>
    public static bool IsStorageFailure(Exception exception) => exception is SqliteException { SqliteErrorCode: var code } && (code & 0xFF) is
        SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_FULL or SQLitePCL.raw.SQLITE_CANTOPEN or SQLitePCL.raw.SQLITE_READONLY
        or SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_PERM;

    /// <summary>A write committed. Cheap when healthy (one volatile read): called after every commit.</summary>
    public void Succeeded()
    {
        if (!_failing)
        {
            return;
        }

        lock (_gate)
        {
            if (!_failing)
            {
                return;
            }

            _failing = false;
            LastError = null;
        }

        Changed?.Invoke(false, null);
    }

    /// <summary>A write failed; only storage failures count (a constraint or a bug does not make the disk bad).</summary>
    public void Failed(Exception exception)
    {
        if (!IsStorageFailure(exception))
        {
            return;
        }

        string message;
        lock (_gate)
        {
            if (_failing)
            {
                return;
            }

            _failing = true;
            message = exception.Message;
            LastError = message;
        }

        Changed?.Invoke(true, message);
    }
}
