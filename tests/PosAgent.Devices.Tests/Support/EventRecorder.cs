using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Support;

/// <summary>
/// Collects a driver's events; tests wait for the one they expect with a bound, never sleep.
/// Each event is handed out once, in arrival order among those that match.
/// </summary>
internal sealed class EventRecorder
{
    private readonly Lock _gate = new();
    private readonly List<DeviceEvent> _all = [];
    private readonly HashSet<int> _taken = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(object? sender, DeviceEvent e)
    {
        TaskCompletionSource arrived;
        lock (_gate)
        {
            _all.Add(e);
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }

    /// <summary>Everything received so far.</summary>
    public IReadOnlyList<DeviceEvent> Seen
    {
        get
        {
            lock (_gate)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Waits for the first not yet taken event of type <typeparamref name="T"/> matching <paramref name="match"/>.</summary>
    public async Task<T> Next<T>(Func<T, bool>? match = null, TimeSpan? timeout = null)
        where T : DeviceEvent
    {
        try
        {
            return await NextCore(match).WithTimeout(timeout ?? TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"No {typeof(T).Name} matched. Events seen:{Environment.NewLine}{string.Join(Environment.NewLine, Seen)}", ex);
        }
    }

    private async Task<T> NextCore<T>(Func<T, bool>? match)
        where T : DeviceEvent
    {
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                for (var i = 0; i < _all.Count; i++)
                {
                    if (!_taken.Contains(i) && _all[i] is T t && (match is null || match(t)))
                    {
                        _taken.Add(i);
                        return t;
                    }
                }

                arrived = _arrived.Task;
            }

            await arrived;
        }
    }

    /// <summary>All events of type T received so far, taken or not.</summary>
    public IReadOnlyList<T> Drain<T>()
        where T : DeviceEvent => Seen.OfType<T>().ToList();
}
