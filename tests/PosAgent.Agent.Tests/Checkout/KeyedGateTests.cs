using PosAgent.Agent.Internal.Checks;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>The per-card gate that serializes commits on one card (issue #17).</summary>
public sealed class KeyedGateTests
{
    [Fact]
    public async Task EnterAsync_SameKeyHeld_WaitsUntilReleased_OtherKeyDoesNot()
    {
        var gate = new KeyedGate();
        var first = await gate.EnterAsync("card-1", CancellationToken.None).WithTimeout();

        var second = gate.EnterAsync("card-1", CancellationToken.None);
        var other = await gate.EnterAsync("card-2", CancellationToken.None).WithTimeout();

        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second.WithTimeout()).Dispose();
        other.Dispose();
        Assert.Equal(0, gate.Count);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_ThrowsAndLeavesNoEntry()
    {
        var gate = new KeyedGate();
        var held = await gate.EnterAsync("card-1", CancellationToken.None).WithTimeout();
        using var cts = new CancellationTokenSource();

        var waiting = gate.EnterAsync("card-1", cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WithTimeout());
        held.Dispose();
        Assert.Equal(0, gate.Count);
    }
}
