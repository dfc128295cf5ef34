using Microsoft.Extensions.Time.Testing;

namespace PosAgent.TestSupport;

/// <summary>The tests' fake clock: the library's <see cref="FakeTimeProvider"/> (time moves only by Advance; due timers fire then), on one known Monday morning.</summary>
public static class TestClock
{
    /// <summary>Monday 2026-01-05 09:00 UTC, where every test clock starts unless a test says otherwise.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Create() => new(Start);
}
