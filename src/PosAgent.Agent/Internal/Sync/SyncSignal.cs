namespace PosAgent.Agent.Internal.Sync;

/// <summary>Wakes the sync worker when something was committed (at most one wake-up is kept).</summary>
internal sealed class SyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Poke()
    {
        // Already poked: one wake-up drains everything. Checked first because Release on a full
        // semaphore throws, and commits come faster than the worker wakes: a throw per commit
        // cost more than the rest of the commit's own work.
        if (_semaphore.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Poked by another commit between the check and the release.
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _semaphore.WaitAsync(cancellationToken);
}
