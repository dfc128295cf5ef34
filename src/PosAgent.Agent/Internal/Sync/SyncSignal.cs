namespace PosAgent.Agent.Internal.Sync;

/// <summary>Wakes the sync worker when something was committed (at most one wake-up is kept).</summary>
internal sealed class SyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Poke()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already poked: one wake-up drains everything.
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _semaphore.WaitAsync(cancellationToken);
}
