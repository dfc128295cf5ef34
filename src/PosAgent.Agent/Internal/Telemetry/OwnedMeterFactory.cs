using System.Diagnostics.Metrics;

namespace PosAgent.Agent.Internal.Telemetry;

/// <summary>
/// An <see cref="IMeterFactory"/> for parts built before the host's service provider (the agent
/// builds its parts by hand): its meters live until it is disposed, as the host's would.
/// </summary>
internal sealed class OwnedMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private readonly Lock _gate = new();

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_gate)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
