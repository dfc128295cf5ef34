namespace PosAgent.Devices.Scanning;

/// <summary>Reports the same code once per window (a scanner in presentation mode re-reads a held item).</summary>
public sealed class DuplicateFilter(TimeSpan window, TimeProvider time)
{
    private readonly Dictionary<(Symbology, string), DateTimeOffset> _lastReported = [];

    /// <summary>True when the code should be reported now (and remembers it).</summary>
    public bool ShouldReport(Symbology symbology, string data)
    {
        if (window <= TimeSpan.Zero)
        {
            return true;
        }

        var now = time.GetUtcNow();
        if (_lastReported.Count > 64)
        {
            foreach (var stale in _lastReported.Where(kv => now - kv.Value >= window).Select(kv => kv.Key).ToList())
            {
                _lastReported.Remove(stale);
            }
        }

        if (_lastReported.TryGetValue((symbology, data), out var last) && now - last < window)
        {
            return false;
        }

        _lastReported[(symbology, data)] = now;
        return true;
    }
}
