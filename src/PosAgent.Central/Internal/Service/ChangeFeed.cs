using Google.Protobuf;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Central.Internal.Service;

/// <summary>
/// The changes feed (blocked/replaced/annulled cards, program activations) by cursor. Watchers
/// wake when this instance commits a change, and poll the store for other instances' changes.
/// </summary>
internal sealed class ChangeFeed(ILoyaltyStore store, TimeProvider time, TimeSpan pollInterval)
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Appends inside the caller's transaction; watchers are woken when it has committed (<see cref="NotifyCommitted"/>).</summary>
    public async Task<long> AppendAsync(IStoreSession session, Change change, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var cursor = await session.AppendChangeAsync(at, change.ToByteArray(), cancellationToken).ConfigureAwait(false);
        return cursor;
    }

    public void NotifyCommitted() => Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task<PullChangesResponse> PullAsync(long afterCursor, int max, CancellationToken cancellationToken)
    {
        var take = max == 0 ? 500 : max;
        var rows = await store.ReadAsync((s, ct) => s.ReadChangesAsync(afterCursor, take + 1, ct), cancellationToken).ConfigureAwait(false);
        var response = new PullChangesResponse { NextCursor = afterCursor, HasMore = rows.Count > take };
        foreach (var row in rows.Take(take))
        {
            response.Changes.Add(Decode(row));
            response.NextCursor = row.Cursor;
        }

        return response;
    }

    /// <summary>The backlog after the cursor, then live changes until cancelled.</summary>
    public async Task WatchAsync(long afterCursor, Func<Change, Task> write, CancellationToken cancellationToken)
    {
        var cursor = afterCursor;
        while (!cancellationToken.IsCancellationRequested)
        {
            var signal = Volatile.Read(ref _signal).Task;
            var page = await PullAsync(cursor, 500, cancellationToken).ConfigureAwait(false);
            foreach (var change in page.Changes)
            {
                await write(change).ConfigureAwait(false);
            }

            cursor = page.NextCursor;
            if (page.HasMore)
            {
                continue;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var poll = Task.Delay(pollInterval, time, timeout.Token);
            await Task.WhenAny(signal, poll).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
        }
    }

    private static Change Decode(ChangeRecord row)
    {
        var change = Change.Parser.ParseFrom(row.Payload);
        change.Cursor = row.Cursor;
        return change;
    }
}
