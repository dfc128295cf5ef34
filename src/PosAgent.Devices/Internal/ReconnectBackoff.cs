namespace PosAgent.Devices.Internal;

/// <summary>Exponential backoff, doubling from the initial delay up to the cap; reset on success.</summary>
internal sealed class ReconnectBackoff(ReconnectOptions options)
{
    private int _failures;

    public TimeSpan Next()
    {
        var factor = Math.Pow(2, Math.Min(_failures, 16));
        _failures++;
        var delay = TimeSpan.FromTicks((long)Math.Min(options.InitialDelay.Ticks * factor, options.MaxDelay.Ticks));
        return delay;
    }

    public void Reset() => _failures = 0;
}
