using System.Threading.Channels;
using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Support;

/// <summary>Collects a driver's events; tests wait for the one they expect with a bound, never sleep.</summary>
internal sealed class EventRecorder
{
    private readonly Channel<DeviceEvent> _channel = Channel.CreateUnbounded<DeviceEvent>();
    private readonly List<DeviceEvent> _seen = [];

    public void Add(object? sender, DeviceEvent e) => _channel.Writer.TryWrite(e);

    public IReadOnlyList<DeviceEvent> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>Waits for the next event of type <typeparamref name="T"/> matching <paramref name="match"/>; earlier others are kept in <see cref="Seen"/>.</summary>
    public async Task<T> Next<T>(Func<T, bool>? match = null, TimeSpan? timeout = null)
        where T : DeviceEvent
    {
        return await NextCore(match).WithTimeout(timeout ?? TimeSpan.FromSeconds(10));
    }

    private async Task<T> NextCore<T>(Func<T, bool>? match)
        where T : DeviceEvent
    {
        while (true)
        {
            var e = await _channel.Reader.ReadAsync();
            lock (_seen)
            {
                _seen.Add(e);
            }

            if (e is T t && (match is null || match(t)))
            {
                return t;
            }
        }
    }

    /// <summary>Events of type T that arrived and were already consumed or are still queued, without waiting.</summary>
    public IReadOnlyList<T> Drain<T>()
        where T : DeviceEvent
    {
        while (_channel.Reader.TryRead(out var e))
        {
            lock (_seen)
            {
                _seen.Add(e);
            }
        }

        return Seen.OfType<T>().ToList();
    }
}
