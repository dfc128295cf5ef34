using FirmwareSim.Internal;
using PosAgent.Devices;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

public sealed class LinePacerTests
{
    [Fact]
    public async Task PaceAsync_At9600_CompletesAfterTheLineTimeOnly()
    {
        var time = TestClock.Create();
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
        var time = TestClock.Create();
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

    [Fact]
    public void Book_FirstBytesSoonAfterCreation_TakeTheirFullLineTime()
    {
        var time = TestClock.Create();
        var pacer = new LinePacer(time, 2400, SerialFraming.EightNoneOne);
        time.Advance(TimeSpan.FromMilliseconds(10));

        // Counted from the send, not from the pacer's creation (CI once saw a scan arrive 10 ms early).
        var wait = pacer.Book(14);

        AssertClose(SerialFraming.EightNoneOne.LineTime(2400, 14), wait);
    }

    [Fact]
    public void Book_BackToBack_QueuesBehindTheBytesBefore()
    {
        var time = TestClock.Create();
        var pacer = new LinePacer(time, 9600, SerialFraming.EightNoneOne);

        AssertClose(TimeSpan.FromMilliseconds(100), pacer.Book(96));
        AssertClose(TimeSpan.FromMilliseconds(200), pacer.Book(96));
    }

    [Fact]
    public void Book_SenderLateWithinCatchUp_ContinuesFromWhereTheLineWas()
    {
        var time = TestClock.Create();
        var pacer = new LinePacer(time, 9600, SerialFraming.EightNoneOne);
        pacer.Book(96);
        time.Advance(TimeSpan.FromMilliseconds(110));

        AssertClose(TimeSpan.FromMilliseconds(90), pacer.Book(96));
    }

    [Fact]
    public void Book_AfterAnIdleSpell_StartsAfresh()
    {
        var time = TestClock.Create();
        var pacer = new LinePacer(time, 9600, SerialFraming.EightNoneOne);
        pacer.Book(96);
        time.Advance(TimeSpan.FromSeconds(1));

        AssertClose(TimeSpan.FromMilliseconds(100), pacer.Book(96));
    }

    [Fact]
    public void Book_Disabled_DoesNotWait()
    {
        var pacer = new LinePacer(TestClock.Create(), 2400, SerialFraming.EightNoneOne, enabled: false);

        Assert.Equal(TimeSpan.Zero, pacer.Book(1000));
    }

    // Timestamps and ticks convert through doubles: equal to within a microsecond.
    private static void AssertClose(TimeSpan expected, TimeSpan actual) =>
        Assert.InRange(actual, expected - TimeSpan.FromMicroseconds(1), expected + TimeSpan.FromMicroseconds(1));
}
