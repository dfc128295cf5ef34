using System.Data.Common;
using System.Threading.Channels;

namespace PosAgent.Central.Internal.Storage;

/// <summary>
/// The one writer of a single-writer database (SQLite). Writes that queue while a commit is on
/// its way to disk go into the next transaction together, each inside its own savepoint, and
/// share one commit: one fsync for the group instead of one each, and the pages several writes
/// touch (index interior pages, the accounts of regulars) go to the WAL once. A write that fails
/// rolls back to its savepoint alone; one that met a conflict runs again in a later group. The
/// writer keeps one connection open, so a write never pays for opening one.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Enough to amortise the commit; few enough that one group's latency stays short.</summary>
    private const int MaxGroup = 32;

    private readonly SqlDialect _dialect;
    private readonly int _maxAttempts;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private DbConnection? _connection;

    public GroupCommitWriter(SqlDialect dialect, int maxAttempts)
    {
        _dialect = dialect;
        _maxAttempts = maxAttempts;
        _loop = Task.Run(RunAsync);
    }

    public Task<T> WriteAsync<T>(Func<SqlStoreSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter), "The store is closed.");
        }

        return write.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        var group = new List<PendingWrite>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var write))
            {
                if (!write.CancelIfRequested())
                {
                    group.Add(write);
                }
            }

            if (group.Count > 0)
            {
                await RunGroupAsync(group).ConfigureAwait(false);
            }
        }
    }

    private async Task RunGroupAsync(List<PendingWrite> group)
    {
        var done = new List<PendingWrite>(group.Count);
        var again = new List<PendingWrite>();
        try
        {
            _connection ??= await _dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using var transaction = await _dialect.BeginWriteAsync(_connection, CancellationToken.None).ConfigureAwait(false);
            var session = new SqlStoreSession(_dialect, _connection, transaction);
            foreach (var write in group)
            {
                await transaction.SaveAsync("w").ConfigureAwait(false);
                try
                {
                    await write.RunAsync(session).ConfigureAwait(false);
                    await transaction.ReleaseAsync("w").ConfigureAwait(false);
                    done.Add(write);
                }
                catch (Exception ex)
                {
                    await transaction.RollbackAsync("w").ConfigureAwait(false);
                    await transaction.ReleaseAsync("w").ConfigureAwait(false);
                    if (_dialect.IsConflict(ex) && ++write.Attempts < _maxAttempts)
                    {
                        again.Add(write);
                    }
                    else
                    {
                        write.Fail(ex);
                    }
                }
            }

            // Commit is not cancellable: once the work is done, it lands or fails, never half-way.
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing of the group reached the disk. A busy database (another process writing)
            // sends the group round again; anything else fails every write that had not failed
            // on its own, with the cause. The connection is opened afresh for the next group.
            await ResetConnectionAsync().ConfigureAwait(false);
            foreach (var write in group.Where(w => !w.IsCompleted && !again.Contains(w)))
            {
                if (_dialect.IsConflict(ex) && ++write.Attempts < _maxAttempts)
                {
                    again.Add(write);
                }
                else
                {
                    write.Fail(ex);
                }
            }

            done.Clear();
        }

        foreach (var write in done)
        {
            write.Complete();
        }

        foreach (var write in again)
        {
            _queue.Writer.TryWrite(write);
        }
    }

    private async Task ResetConnectionAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    private abstract class PendingWrite
    {
        public int Attempts { get; set; }

        public abstract bool IsCompleted { get; }

        public abstract Task RunAsync(SqlStoreSession session);

        public abstract void Complete();

        public abstract void Fail(Exception exception);

        /// <summary>Completes the write as cancelled if its caller gave up while it waited; true then.</summary>
        public abstract bool CancelIfRequested();
    }

    private sealed class PendingWrite<T>(Func<SqlStoreSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _completion.Task;

        public override bool IsCompleted => _completion.Task.IsCompleted;

        public override async Task RunAsync(SqlStoreSession session) =>
            _result = await work(session, cancellationToken).ConfigureAwait(false);

        public override void Complete() => _completion.TrySetResult(_result!);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(cancellationToken);
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }

        public override bool CancelIfRequested() => cancellationToken.IsCancellationRequested && _completion.TrySetCanceled(cancellationToken);
    }
}
