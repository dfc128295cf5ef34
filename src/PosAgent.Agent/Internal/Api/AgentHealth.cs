using Grpc.Health.V1;
using Grpc.HealthCheck;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Api;

/// <summary>
/// grpc.health.v1 statuses of the agent, kept apart by what a caller can do about them:
/// <list type="bullet">
/// <item>"" and each local API service (posagent.v1.Checks, .Members, .Terminal): SERVING while the
/// store is open and takes writes and the API listens, so the lane can sell; NOT_SERVING while the
/// store fails (disk full, I/O error, file turned read-only: a sale could not be recorded) and from
/// the moment the agent stops (a Watch sees it go away before its socket does). A missing device
/// does not change them: a lane with an unplugged scanner still sells (the card number is typed in).</item>
/// <item>"posagent.store": the store alone, SERVING while it takes writes, NOT_SERVING while they fail.</item>
/// <item>"posagent.devices": SERVING while every configured device is connected and ready,
/// NOT_SERVING while one is not (unplugged, in error, or not ready such as a printer out of paper).
/// With no device configured, SERVING.</item>
/// <item>"posagent.devices.scanner", "posagent.devices.printer": the same for one device; a device
/// that is not configured has no status (Check answers NOT_FOUND, Watch SERVICE_UNKNOWN).</item>
/// </list>
/// Statuses follow the device board as the drivers report changes, and every change reaches the
/// Watch streams (HealthServiceImpl pushes it to them).
/// </summary>
internal sealed class AgentHealth
{
    public const string DevicesService = "posagent.devices";

    public const string StoreService = "posagent.store";

    private static readonly string[] SellingServices = ["", "posagent.v1.Checks", "posagent.v1.Members", "posagent.v1.Terminal"];

    private readonly HealthServiceImpl _health;
    private readonly DeviceBoard _devices;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HealthCheckResponse.Types.ServingStatus?> _last = new(StringComparer.Ordinal);
    private bool _stopped;
    private bool _storeFailing;

    public AgentHealth(HealthServiceImpl health, DeviceBoard devices)
    {
        _health = health;
        _devices = devices;
        devices.Changed += OnDevicesChanged;
        OnDevicesChanged();
    }

    public static string DeviceService(string deviceName) => DevicesService + "." + deviceName;

    /// <summary>The store is open and the API about to listen: the lane can sell.</summary>
    public void StoreOpen() => StoreWritable(true);

    /// <summary>
    /// The store's writes fail (false) or commit again (true): the selling services and
    /// "posagent.store" follow. Ignored once the agent stops.
    /// </summary>
    public void StoreWritable(bool writable)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _storeFailing = !writable;
            var status = writable ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
            Set(StoreService, status);
            foreach (var service in SellingServices)
            {
                Set(service, status);
            }
        }
    }

    /// <summary>Whether the last report said the store's writes fail.</summary>
    public bool StoreFailing
    {
        get
        {
            lock (_gate)
            {
                return _storeFailing;
            }
        }
    }

    /// <summary>The agent stops (its store closes after the API): everything NOT_SERVING, device changes ignored from now on.</summary>
    public void Stopping()
    {
        lock (_gate)
        {
            _stopped = true;
            _devices.Changed -= OnDevicesChanged;
            foreach (var service in SellingServices)
            {
                Set(service, HealthCheckResponse.Types.ServingStatus.NotServing);
            }

            Set(StoreService, HealthCheckResponse.Types.ServingStatus.NotServing);
            Set(DevicesService, HealthCheckResponse.Types.ServingStatus.NotServing);
            foreach (var device in _devices.All.Where(d => d.State != DeviceState.NotConfigured))
            {
                Set(DeviceService(device.Name), HealthCheckResponse.Types.ServingStatus.NotServing);
            }
        }
    }

    private void OnDevicesChanged()
    {
        // Under one lock, so two drivers reporting at once cannot leave an older aggregate behind.
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            var allReady = true;
            foreach (var device in _devices.All)
            {
                if (device.State == DeviceState.NotConfigured)
                {
                    Set(DeviceService(device.Name), null);
                    continue;
                }

                var ready = device.State == DeviceState.Connected;
                allReady &= ready;
                Set(DeviceService(device.Name), ready ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
            }

            Set(DevicesService, allReady ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
        }
    }

    /// <summary>Only changes reach HealthServiceImpl: it pushes every call to the Watch streams, and a Watch should see changes, not repeats.</summary>
    private void Set(string service, HealthCheckResponse.Types.ServingStatus? status)
    {
        if (_last.TryGetValue(service, out var last) && last == status)
        {
            return;
        }

        _last[service] = status;
        if (status is { } known)
        {
            _health.SetStatus(service, known);
        }
        else
        {
            _health.ClearStatus(service);
        }
    }
}
