using PosAgent.Agent.Internal.Sync;

namespace PosAgent.Agent.Tests.Sync;

/// <summary>The commit-to-sync-worker wake-up: many pokes, one wake-up, none lost.</summary>
public sealed class SyncSignalTests
{
    [Fact]
    public async Task ManyPokes_WakeTheWorkerOnce()
    {
        var signal = new SyncSignal();
        for (var i = 0; i < 50; i++)
        {
            signal.Poke();
        }

        await signal.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var second = signal.WaitAsync(CancellationToken.None);
        Assert.False(second.IsCompleted, "fifty pokes before one wait must leave a single wake-up, not fifty");

        signal.Poke();
        await second.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PokeWhileTheWorkerWaits_WakesIt()
    {
        var signal = new SyncSignal();
        var waiting = signal.WaitAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Poke();
        signal.Poke();

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        // The second poke came after the first had been handed to the waiter: it is kept for the next wait.
        await signal.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PokesFromManyThreads_NeverThrowAndLeaveOneWakeUp()
    {
        var signal = new SyncSignal();
        await Parallel.ForAsync(0, 10_000, (_, _) =>
        {
            signal.Poke();
            return ValueTask.CompletedTask;
        });

        await signal.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(signal.WaitAsync(CancellationToken.None).IsCompleted);
    }
}
