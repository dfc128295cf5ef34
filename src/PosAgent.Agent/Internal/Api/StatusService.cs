using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Agent.Internal.Checks;
using PosAgent.Agent.Internal.Estimation;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Agent.Internal.Sync;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Api;

/// <summary>Devices as the status reports them (filled by the device wiring).</summary>
internal sealed class DeviceBoard
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeviceStatus> _devices = new(StringComparer.Ordinal);

    /// <summary>Raised after each <see cref="Set"/>, on the reporting driver's thread (health follows it).</summary>
    public event Action? Changed;

    public void Set(DeviceStatus status)
    {
        lock (_gate)
        {
            _devices[status.Name] = status;
        }

        Changed?.Invoke();
    }

    public IReadOnlyList<DeviceStatus> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _devices.Values.Select(d => d.Clone())];
            }
        }
    }
}

/// <summary>Builds the answer of Terminal.GetStatus.</summary>
internal sealed class StatusService
{
    private readonly AgentOptions _options;
    private readonly AgentStore _store;
    private readonly Connectivity _connectivity;
    private readonly SyncWorker _sync;
    private readonly IEstimator _estimator;
    private readonly CheckService _checks;
    private readonly DeviceBoard _devices;
    private readonly DateTimeOffset _startedAt;

    public StatusService(AgentOptions options, AgentStore store, Connectivity connectivity, SyncWorker sync, IEstimator estimator, CheckService checks, DeviceBoard devices, DateTimeOffset startedAt)
    {
        _options = options;
        _store = store;
        _connectivity = connectivity;
        _sync = sync;
        _estimator = estimator;
        _checks = checks;
        _devices = devices;
        _startedAt = startedAt;
    }

    public static string Version => typeof(StatusService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public StatusResponse Get()
    {
        var (pending, parked, oldest) = _store.CountOutbox();
        var (points, cards, overspent) = _store.OfflineExposure();
        var response = new StatusResponse
        {
            TerminalId = _options.TerminalId,
            StoreId = _options.StoreId,
            AgentVersion = Version,
            Devices = { _devices.All },
            Central = new CentralStatus
            {
                State = _connectivity.State,
                Endpoint = _options.CentralAddress ?? string.Empty,
                LastContact = _connectivity.LastContact is { } c ? Timestamp.FromDateTimeOffset(c) : null,
                LastError = _connectivity.LastError ?? string.Empty,
            },
            Outbox = new OutboxStatus
            {
                Pending = pending,
                Parked = parked,
                OldestPendingAt = oldest is { } o ? Timestamp.FromDateTimeOffset(o) : null,
                SyncedSinceStart = _sync.SyncedSinceStart,
            },
            LastSync = _sync.LastSync is { } s ? Timestamp.FromDateTimeOffset(s) : null,
            OfflineExposure = new OfflineExposure { PointsUnconfirmed = points, Cards = cards, PointsOverspentReported = overspent },
            StartedAt = Timestamp.FromDateTimeOffset(_startedAt),
            OpenChecks = _checks.OpenCount,
        };
        foreach (var program in _estimator.Programs)
        {
            response.Programs.Add(new ProgramVersion { ProgramId = program.ProgramId, Version = program.Version, FetchedAt = Timestamp.FromDateTimeOffset(program.FetchedAt) });
        }

        return response;
    }
}
