namespace PosAgent.Devices;

/// <summary>How a driver reopens a lost or missing device.</summary>
public sealed class ReconnectOptions
{
    /// <summary>First delay after a failed open. Default 50 ms.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest delay between attempts; keeps resume within 2 s of the device coming back. Default 500 ms, at most 1.5 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Every problem, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string device)
    {
        var problems = new List<string>();
        if (InitialDelay <= TimeSpan.Zero)
        {
            problems.Add($"{device}: reconnect initial delay must be positive.");
        }

        if (MaxDelay < InitialDelay || MaxDelay > TimeSpan.FromSeconds(1.5))
        {
            problems.Add($"{device}: reconnect max delay must be between the initial delay and 1.5 s (a device must be back in use within 2 s).");
        }

        return problems;
    }
}
