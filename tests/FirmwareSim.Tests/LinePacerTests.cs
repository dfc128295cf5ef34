using FirmwareSim.Internal;
using PosAgent.Devices;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

public sealed class LinePacerTests
{
    [Fact]
    public async Task PaceAsync_At9600_CompletesAfterTheLineTimeOnly()
    {
        var time = new ManualTimeProvider();
        var pacer = new LinePacer(time, 9600, SerialFraming.EightNoneOne);

        var pacing = pacer.PaceAsync(96, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(pacing.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        await pacing.WithTimeout();
    }

    [Fact]
    public async Task PaceAsync_SlowedAndStalled_WaitsLongerAndForResume()
    {
        var time = new ManualTimeProvider();
        var pacer = new LinePacer(time, 9600, SerialFraming.EightNoneTwo) { Slowdown = 2, Stalled = true };

        var pacing = pacer.PaceAsync(96, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(pacing.IsCompleted);
        // From a thread without xunit's synchronization context, so the waiter re-times itself inline.
        await Task.Run(() => pacer.Stalled = false);
        time.Advance(TimeSpan.FromMilliseconds(219));
        Assert.False(pacing.IsCompleted, pacing.Status.ToString());
        time.Advance(TimeSpan.FromMilliseconds(2));

        await pacing.WithTimeout();
    }
}
