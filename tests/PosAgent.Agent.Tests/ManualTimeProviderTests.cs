using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests;

public sealed class ManualTimeProviderTests
{
    [Fact]
    public void Advance_PastTimerDueTime_FiresTimerOnceAtDueTime()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var fired = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow()), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(fired);

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([new DateTimeOffset(2026, 3, 1, 0, 5, 0, TimeSpan.Zero)], fired);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 14, 0, TimeSpan.Zero), clock.GetUtcNow());
    }

    [Fact]
    public void Advance_PeriodicTimer_FiresOncePerPeriod()
    {
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(3.5));

        Assert.Equal(3, count);
    }

    [Fact]
    public async Task Delay_WithManualClock_CompletesOnlyWhenAdvanced()
    {
        var clock = new ManualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromHours(1), clock);

        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromHours(1));

        await delay.WithTimeout();
        Assert.True(delay.IsCompletedSuccessfully);
    }
}
