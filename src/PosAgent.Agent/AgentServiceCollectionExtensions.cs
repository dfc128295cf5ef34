using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PosAgent.Agent.Internal;
using PosAgent.Agent.Internal.Api;
using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Checks;
using PosAgent.Agent.Internal.Devices;
using PosAgent.Agent.Internal.Estimation;
using PosAgent.Agent.Internal.Members;
using PosAgent.Agent.Internal.Receipts;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Agent.Internal.Sync;
using PosAgent.Agent.Internal.Telemetry;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Hosting;

namespace PosAgent.Agent;

/// <summary>
/// The agent's registrations, in one place: options (<see cref="AddAgentOptions(IServiceCollection, IConfiguration)"/>),
/// and the agent itself (<see cref="AddPosAgentAgent"/>: its parts over one SQLite store, the local
/// API's gRPC services and listeners, and the hosted services that open the store and run the
/// background loops). Cross-cutting additions (telemetry) go beside the call to
/// <see cref="AddPosAgentAgent"/> in <see cref="AgentHost"/>.
/// </summary>
public static class AgentServiceCollectionExtensions
{
    /// <summary>Agent options bound from <paramref name="configuration"/>, validated when the host starts (ValidateOnStart).</summary>
    public static IServiceCollection AddAgentOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AgentOptions>().Bind(configuration).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        return services;
    }

    /// <summary>Agent options given whole (in-process hosts: tests, the demo, benchmarks); validated now.</summary>
    public static IServiceCollection AddAgentOptions(this IServiceCollection services, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(Options.Create(options));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        return services;
    }

    /// <summary>
    /// The agent: its parts (store, caches, checks, members, receipts, devices, the sync worker),
    /// the local API (gRPC + HTTP/JSON on the Unix socket and the optional loopback port), and the
    /// hosted services in start order: the store's opening (<see cref="AgentStartup"/>), the sync
    /// worker, the cache refresher, the commit log, the devices.
    /// </summary>
    public static IServiceCollection AddPosAgentAgent(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentLogger>();
        services.TryAddSingleton(sp =>
        {
            var options = Opt(sp);
            return options.CentralAddress is null
                ? new CentralClientSlot(null, owned: false)
                : new CentralClientSlot(new GrpcCentralClient(options.CentralAddress, options.CentralToken, options.CentralCaCertificate), owned: true);
        });
        services.TryAddSingleton<IEstimator, RulesEstimator>();
        services.AddSingleton(sp =>
        {
            var options = Opt(sp);
            CreateDataFolder(options);
            var store = AgentStore.Open(options.DatabasePath, Time(sp), options.DataGroupReadable);
            if (store.UnreadableOpenChecksMovedTo is { } movedTo)
            {
                AgentLog.OpenChecksMovedAside(Log(sp), movedTo);
            }

            return store;
        });
        services.AddSingleton(sp => new EventHub(Time(sp)));
        services.AddSingleton(sp => new Connectivity(Time(sp), sp.GetRequiredService<CentralClientSlot>().Client is not null));
        services.AddSingleton(sp => new CentralGateway(sp.GetRequiredService<CentralClientSlot>().Client, Opt(sp).Sync, sp.GetRequiredService<Connectivity>(), Time(sp), Log(sp)));
        services.AddSingleton(sp => new CardDirectory(sp.GetRequiredService<AgentStore>()));
        services.AddSingleton<SyncSignal>();
        services.AddSingleton(sp => new SyncWorker(sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<CentralGateway>(), sp.GetRequiredService<CardDirectory>(), sp.GetRequiredService<EventHub>(), sp.GetRequiredService<Connectivity>(), sp.GetRequiredService<SyncSignal>(), Opt(sp).Sync, Time(sp), Log(sp), sp.GetRequiredService<AgentMetrics>()));
        services.AddSingleton(sp => new CacheRefresher(sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<CentralGateway>(), sp.GetRequiredService<CardDirectory>(), sp.GetRequiredService<IEstimator>(), Opt(sp).Sync, Time(sp), Log(sp)));
        services.AddSingleton(sp => new CommitLog(Log(sp), Time(sp)));
        services.AddSingleton(sp => new CheckService(sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<CardDirectory>(), sp.GetRequiredService<IEstimator>(), sp.GetRequiredService<CentralGateway>(), sp.GetRequiredService<Connectivity>(), sp.GetRequiredService<EventHub>(), sp.GetRequiredService<SyncSignal>(), Time(sp), Opt(sp), sp.GetRequiredService<CommitLog>(), sp.GetRequiredService<AgentMetrics>()));
        services.AddSingleton(sp => new MemberService(sp.GetRequiredService<CentralGateway>(), sp.GetRequiredService<CardDirectory>(), sp.GetRequiredService<CheckService>(), sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<SyncWorker>(), Time(sp), Opt(sp)));
        services.AddSingleton<DeviceBoard>();
        services.TryAddSingleton<HealthServiceImpl>();
        services.AddSingleton(sp => new AgentHealth(sp.GetRequiredService<HealthServiceImpl>(), sp.GetRequiredService<DeviceBoard>()));
        services.AddSingleton(sp => new StoreWatch(sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<AgentHealth>(), Opt(sp).StoreProbeInterval, Time(sp), Log(sp)));
        services.AddSingleton(sp => new DeviceWiring(Opt(sp).Devices, sp.GetRequiredService<CheckService>(), sp.GetRequiredService<EventHub>(), sp.GetRequiredService<DeviceBoard>(), Log(sp), CancellationToken.None));
        services.TryAddSingleton(sp =>
        {
            var options = Opt(sp);
            _ = sp.GetRequiredService<AgentStore>(); // the data folder exists before the print queue is created in it
            return sp.GetRequiredService<DeviceWiring>().CreatePrinter(options.DataDirectory, Time(sp), sp.GetRequiredService<ILoggerFactory>(), options.DataGroupReadable);
        });
        services.AddSingleton(sp => new ReceiptService(sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<CardDirectory>(), sp.GetRequiredService<IEstimator>(), sp.GetRequiredService<IReceiptPrinter>(), sp.GetRequiredService<EventHub>(), Time(sp), Opt(sp).Devices));
        services.AddSingleton(sp => new StatusService(Opt(sp), sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<Connectivity>(), sp.GetRequiredService<SyncWorker>(), sp.GetRequiredService<IEstimator>(), sp.GetRequiredService<CheckService>(), sp.GetRequiredService<DeviceBoard>(), Time(sp).GetUtcNow()));
        services.AddSingleton(sp => new AgentParts(
            sp.GetRequiredService<AgentStore>(), sp.GetRequiredService<EventHub>(), sp.GetRequiredService<Connectivity>(), sp.GetRequiredService<CentralGateway>(),
            sp.GetRequiredService<IEstimator>(), sp.GetRequiredService<CardDirectory>(), sp.GetRequiredService<SyncWorker>(), sp.GetRequiredService<CacheRefresher>(),
            sp.GetRequiredService<CheckService>(), sp.GetRequiredService<MemberService>(), sp.GetRequiredService<ReceiptService>(), sp.GetRequiredService<StatusService>(),
            sp.GetRequiredService<DeviceBoard>(), sp.GetRequiredService<SyncSignal>()));

        // The local API.
        services.AddSingleton(sp => new ChecksApi(sp.GetRequiredService<CheckService>(), sp.GetRequiredService<ReceiptService>()));
        services.AddSingleton(sp => new MembersApi(sp.GetRequiredService<MemberService>()));
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<AgentStore>();
            var signal = sp.GetRequiredService<SyncSignal>();
            var connectivity = sp.GetRequiredService<Connectivity>();
            return new TerminalApi(sp.GetRequiredService<StatusService>(), sp.GetRequiredService<EventHub>(), sp.GetRequiredService<ReceiptService>(), _ =>
            {
                signal.Poke();
                var (pending, parked, _) = store.CountOutbox();
                return Task.FromResult(new SyncNowResponse { Pending = pending, Parked = parked, State = connectivity.State });
            });
        });
        services.AddGrpc(o => o.Interceptors.Add<ApiErrorInterceptor>()).AddJsonTranscoding();
        services.AddGrpcReflection();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<AgentOptions>>((kestrel, agent) =>
        {
            // Kestrel is built with the host, before ValidateOnStart runs: invalid options configure no
            // listener here, and the start is refused with every problem a moment later.
            if (Valid(agent) is not { } options)
            {
                return;
            }

            if (options.ResolvedSocketPath.Length > 0)
            {
                // The listener creates the socket's folder when missing; the data folder gets its own mode first.
                CreateDataFolder(options);
                kestrel.ListenGrpcUnixSocket(options.ResolvedSocketPath, acceptHttp1: true);
            }

            if (options.TcpPort is { } port)
            {
                kestrel.ListenGrpc(System.Net.IPAddress.Parse(options.TcpAddress), port, acceptHttp1: true);
            }
        });

        // The hosted services, in start order (they stop in the reverse order). The loops are added with
        // AddSingleton: AddHostedService de-duplicates by implementation type, so every AgentLoop after
        // the first would be dropped silently.
        services.TryAddSingleton<AgentEndpoints>();
        services.TryAddSingleton<AgentStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentStartup>());
        services.AddSingleton<IHostedService>(sp => new AgentLoop(sp.GetRequiredService<SyncWorker>().RunAsync));
        services.AddSingleton<IHostedService>(sp => new AgentLoop(sp.GetRequiredService<CacheRefresher>().RunAsync));
        services.AddSingleton<IHostedService>(sp => new AgentLoop(sp.GetRequiredService<CommitLog>().RunAsync));
        services.AddSingleton<IHostedService>(sp => new AgentLoop(sp.GetRequiredService<StoreWatch>().RunAsync));
        services.AddHostedService(sp => new DeviceService(sp.GetRequiredService<DeviceWiring>(), sp.GetRequiredService<IEstimator>(), Time(sp), sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    /// <summary>The local API's endpoints.</summary>
    public static IEndpointRouteBuilder MapPosAgentApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ChecksApi>();
        endpoints.MapGrpcService<MembersApi>();
        endpoints.MapGrpcService<TerminalApi>();
        endpoints.MapGrpcService<HealthServiceImpl>();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }

    /// <summary>0710: the POS group may reach the socket inside by name; listing and the databases stay the agent's (0750 when the group may read).</summary>
    private static void CreateDataFolder(AgentOptions options) =>
        PosAgent.Storage.DurableFolder.Create(options.DataDirectory, options.DataGroupReadable ? PosAgent.Storage.DurableFolder.OwnerAndGroupRead : PosAgent.Storage.DurableFolder.OwnerAndGroupTraverse);

    private static AgentOptions? Valid(IOptions<AgentOptions> options)
    {
        try
        {
            return options.Value;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    private static AgentOptions Opt(IServiceProvider sp) => sp.GetRequiredService<IOptions<AgentOptions>>().Value;

    private static TimeProvider Time(IServiceProvider sp) => sp.GetRequiredService<TimeProvider>();

    private static ILogger Log(IServiceProvider sp) => sp.GetRequiredService<AgentLogger>().Logger;
}

/// <summary>The agent's one log category ("PosAgent.Agent").</summary>
internal sealed class AgentLogger(ILoggerFactory loggers)
{
    public ILogger Logger { get; } = loggers.CreateLogger("PosAgent.Agent");
}

/// <summary>The central service's client, or none (offline only); disposed with the host when the agent made it.</summary>
internal sealed class CentralClientSlot(ICentralClient? client, bool owned) : IDisposable
{
    public ICentralClient? Client => client;

    public void Dispose()
    {
        if (owned)
        {
            (client as IDisposable)?.Dispose();
        }
    }
}

/// <summary>Where the local API listens, known once the host has started.</summary>
internal sealed class AgentEndpoints
{
    public string? SocketPath { get; set; }

    public string? TcpAddress { get; set; }
}

/// <summary>One of the agent's loops (sync worker, cache refresher, commit log) as a hosted service: runs until the host stops.</summary>
internal sealed class AgentLoop(Func<CancellationToken, Task> run) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => run(stoppingToken);
}

/// <summary>The lane's scanner and printer, started once the API listens; the wiring is disposed with the host.</summary>
internal sealed class DeviceService(DeviceWiring wiring, IEstimator estimator, TimeProvider time, ILoggerFactory loggers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        wiring.StartScanner(estimator, time, loggers);
        wiring.StartPrinter();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Opens the store before anything starts (an unusable database stops the start with its own
/// message), loads the local programs and restores the open checks; once the API listens, sets the
/// socket's mode and says where it listens; when stopping, turns health NOT_SERVING before the
/// listener goes, and writes the commit lines still queued once everything has stopped.
/// </summary>
internal sealed class AgentStartup(IServiceProvider services, IOptions<AgentOptions> options, AgentEndpoints endpoints, AgentLogger log) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<AgentStore>();
        // Every part now, in dependency order (the receipt printer and its queue file among them), not at the first call.
        _ = services.GetRequiredService<AgentParts>();
        services.GetRequiredService<CacheRefresher>().LoadLocal(options.Value.ProgramsDirectory);
        services.GetRequiredService<CheckService>().RestoreOpenChecks();
        var events = services.GetRequiredService<EventHub>();
        var connectivity = services.GetRequiredService<Connectivity>();
        connectivity.Changed += state =>
        {
            var (pending, parked, _) = store.CountOutbox();
            events.Publish(new AgentEvent { SyncState = new SyncStateEvent { State = state, Pending = pending, Parked = parked, LastError = connectivity.LastError ?? string.Empty } });
        };
        services.GetRequiredService<AgentMetrics>().Observe(store, connectivity, services.GetRequiredService<DeviceBoard>(), () => services.GetRequiredService<DeviceWiring>().PrintQueueDepth, services.GetRequiredService<TimeProvider>());

        // The watch subscribes to the store's health now, so a failure from the first write on is reported.
        _ = services.GetRequiredService<StoreWatch>();
        services.GetRequiredService<AgentHealth>().StoreWritable(!store.Health.Failing);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var agent = options.Value;
        if (agent.ResolvedSocketPath.Length > 0)
        {
            endpoints.SocketPath = Path.GetFullPath(agent.ResolvedSocketPath);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(endpoints.SocketPath, (UnixFileMode)Convert.ToInt32(agent.SocketMode, 8));
            }
        }

        if (agent.TcpPort is not null)
        {
            var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var metricsPort = services.GetRequiredService<AgentMetricsEndpoint>().Port;
            endpoints.TcpAddress = addresses.FirstOrDefault(a => !a.StartsWith("http://unix:", StringComparison.Ordinal) && new Uri(a).Port != metricsPort)?.Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        }

        AgentLog.Started(log.Logger, agent.TerminalId, string.Join(", ", new[] { endpoints.SocketPath, endpoints.TcpAddress }.Where(e => e is not null)), agent.DatabasePath);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        AgentLog.Stopping(log.Logger);
        services.GetRequiredService<AgentHealth>().Stopping();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Commits answered while the listener drained, after the commit log's loop had stopped.
        services.GetRequiredService<CommitLog>().Flush();
        return Task.CompletedTask;
    }
}
