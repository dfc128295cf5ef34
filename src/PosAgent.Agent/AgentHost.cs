using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
/// One running agent: the local API server, the outbox and sync worker, the caches and the
/// lane's devices. Start it from <c>posagent-agent run</c>, or in-process from another program
/// (the demo, tests) with <see cref="StartAsync(AgentOptions, CancellationToken)"/>; dispose to stop.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _background = [];
    private readonly List<IDisposable> _owned = [];
    private readonly ILogger _logger;
    private int _disposed;

    private readonly AgentHealth _health;

    private AgentHost(WebApplication app, AgentOptions options, ILogger logger, AgentParts parts, AgentHealth health)
    {
        _app = app;
        _health = health;
        Options = options;
        _logger = logger;
        Parts = parts;
    }

    public AgentOptions Options { get; }

    /// <summary>The Unix socket of the local API, or null when disabled.</summary>
    public string? SocketPath { get; private set; }

    /// <summary>The loopback TCP address of the local API (e.g. "http://127.0.0.1:50051"), or null when disabled.</summary>
    public string? TcpAddress { get; private set; }

    internal AgentParts Parts { get; }

    /// <summary>The Prometheus scrape URL on loopback (e.g. "http://127.0.0.1:9464/metrics"), or null when not enabled.</summary>
    public string? MetricsAddress => _app.Services.GetRequiredService<AgentMetricsEndpoint>().Address;

    /// <summary>Validates the options, opens the database and starts everything.</summary>
    public static Task<AgentHost> StartAsync(AgentOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, loggerFactory: null, cancellationToken);

    public static Task<AgentHost> StartAsync(AgentOptions options, ILoggerFactory? loggerFactory, CancellationToken cancellationToken = default) =>
        StartAsync(options, new AgentOverrides { LoggerFactory = loggerFactory }, cancellationToken);

    internal static async Task<AgentHost> StartAsync(AgentOptions options, AgentOverrides overrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = overrides.TimeProvider ?? TimeProvider.System;
        var loggerFactory = overrides.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("PosAgent.Agent");
        // 0710: the POS group may reach the socket inside by name; listing and the databases stay the agent's.
        PosAgent.Storage.DurableFolder.Create(options.DataDirectory, options.DataGroupReadable ? PosAgent.Storage.DurableFolder.OwnerAndGroupRead : PosAgent.Storage.DurableFolder.OwnerAndGroupTraverse);
        var store = AgentStore.Open(options.DatabasePath, time, options.DataGroupReadable);
        if (store.UnreadableOpenChecksMovedTo is { } movedTo)
        {
            AgentLog.OpenChecksMovedAside(logger, movedTo);
        }

        var owned = new List<IDisposable> { store };
        try
        {
            var meters = new OwnedMeterFactory();
            owned.Add(meters);
            var metrics = new AgentMetrics(meters);
            ICentralClient? client = overrides.CentralClient;
            if (client is null && options.CentralAddress is not null)
            {
                var grpc = new GrpcCentralClient(options.CentralAddress, options.CentralToken, options.CentralCaCertificate);
                owned.Add(grpc);
                client = grpc;
            }

            var events = new EventHub(time);
            var connectivity = new Connectivity(time, client is not null);
            var gateway = new CentralGateway(client, options.Sync, connectivity, time, logger);
            var estimator = overrides.Estimator ?? new RulesEstimator();
            var cards = new CardDirectory(store);
            var signal = new SyncSignal();
            var sync = new SyncWorker(store, gateway, cards, events, connectivity, signal, options.Sync, time, logger, metrics);
            var refresher = new CacheRefresher(store, gateway, cards, estimator, options.Sync, time, logger);
            refresher.LoadLocal(options.ProgramsDirectory);
            var commitLog = new CommitLog(logger, time);
            var checks = new CheckService(store, cards, estimator, gateway, connectivity, events, signal, time, options, commitLog, metrics);
            checks.RestoreOpenChecks();
            var members = new MemberService(gateway, cards, checks, store, sync, time, options);
            var devices = new DeviceBoard();
            var healthService = new HealthServiceImpl();
            var health = new AgentHealth(healthService, devices);
            var wiring = new DeviceWiring(options.Devices, checks, events, devices, logger, CancellationToken.None);
            owned.Add(wiring);
            var printer = overrides.ReceiptPrinter ?? wiring.CreatePrinter(options.DataDirectory, time, loggerFactory, options.DataGroupReadable);
            metrics.Observe(store, connectivity, devices, () => wiring.PrintQueueDepth, time);
            var receipts = new ReceiptService(store, cards, estimator, printer, events, time, options.Devices);
            var status = new StatusService(options, store, connectivity, sync, estimator, checks, devices, time.GetUtcNow());
            connectivity.Changed += state =>
            {
                var (pending, parked, _) = store.CountOutbox();
                events.Publish(new AgentEvent { SyncState = new SyncStateEvent { State = state, Pending = pending, Parked = parked, LastError = connectivity.LastError ?? string.Empty } });
            };
            var parts = new AgentParts(store, events, connectivity, gateway, estimator, cards, sync, refresher, checks, members, receipts, status, devices, signal);
            var terminalApi = new TerminalApi(status, events, receipts, async ct =>
            {
                signal.Poke();
                var (pending, parked, _) = store.CountOutbox();
                await Task.CompletedTask.ConfigureAwait(false);
                return new SyncNowResponse { Pending = pending, Parked = parked, State = connectivity.State };
            });

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddGrpc(o => o.Interceptors.Add<ApiErrorInterceptor>()).AddJsonTranscoding();
            builder.Services.AddGrpcReflection();
            builder.Services.AddSingleton(new ChecksApi(checks, receipts));
            builder.Services.AddSingleton(new MembersApi(members));
            builder.Services.AddSingleton(terminalApi);
            builder.Services.AddSingleton(healthService);
            builder.Services.AddSingleton(time);
            builder.Services.AddEmbeddedHostLifetime();
            builder.Services.AddSingleton(metrics);
            builder.Services.AddAgentTelemetry(options.Telemetry, options.TerminalId);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                if (options.ResolvedSocketPath.Length > 0)
                {
                    kestrel.ListenGrpcUnixSocket(options.ResolvedSocketPath, acceptHttp1: true);
                }

                if (options.TcpPort is { } port)
                {
                    kestrel.ListenGrpc(System.Net.IPAddress.Parse(options.TcpAddress), port, acceptHttp1: true);
                }
            });
            var app = builder.Build();
            app.MapAgentTelemetry(options.Telemetry);
            app.MapGrpcService<ChecksApi>();
            app.MapGrpcService<MembersApi>();
            app.MapGrpcService<TerminalApi>();
            app.MapGrpcService<HealthServiceImpl>();
            app.MapGrpcReflectionService();
            health.StoreOpen();
            var host = new AgentHost(app, options, logger, parts, health);
            host._owned.AddRange(owned);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            host.AfterStart();
            host._background.Add(Task.Run(() => sync.RunAsync(host._stopping.Token), CancellationToken.None));
            host._background.Add(Task.Run(() => refresher.RunAsync(host._stopping.Token), CancellationToken.None));
            host._background.Add(Task.Run(() => commitLog.RunAsync(host._stopping.Token), CancellationToken.None));
            wiring.StartScanner(estimator, time, loggerFactory);
            wiring.StartPrinter();
            AgentLog.Started(logger, options.TerminalId, string.Join(", ", new[] { host.SocketPath, host.TcpAddress }.Where(e => e is not null)), options.DatabasePath);
            return host;
        }
        catch
        {
            foreach (var d in owned)
            {
                d.Dispose();
            }

            throw;
        }
    }

    private void AfterStart()
    {
        if (Options.ResolvedSocketPath.Length > 0)
        {
            SocketPath = Path.GetFullPath(Options.ResolvedSocketPath);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SocketPath, (UnixFileMode)Convert.ToInt32(Options.SocketMode, 8));
            }
        }

        if (Options.TcpPort is not null)
        {
            var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var metricsPort = _app.Services.GetRequiredService<AgentMetricsEndpoint>().Port;
            TcpAddress = addresses.FirstOrDefault(a => !a.StartsWith("http://unix:", StringComparison.Ordinal) && new Uri(a).Port != metricsPort)?.Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        }
    }

    /// <summary>Stops the API and the background work; the outbox stays on disk for the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AgentLog.Stopping(_logger);
        _health.Stopping();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Task.WhenAll(_background).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            foreach (var owned in Enumerable.Reverse(_owned))
            {
                owned.Dispose();
            }

            _stopping.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}

/// <summary>Replacements for tests and the demo (a fake clock, a scripted central service, a receipt sink).</summary>
internal sealed class AgentOverrides
{
    public TimeProvider? TimeProvider { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public ICentralClient? CentralClient { get; init; }

    public IEstimator? Estimator { get; init; }

    public IReceiptPrinter? ReceiptPrinter { get; init; }
}

/// <summary>The running agent's parts, for tests and benchmarks.</summary>
internal sealed record AgentParts(
    AgentStore Store,
    EventHub Events,
    Connectivity Connectivity,
    CentralGateway Gateway,
    IEstimator Estimator,
    CardDirectory Cards,
    SyncWorker Sync,
    CacheRefresher Refresher,
    CheckService Checks,
    MemberService Members,
    ReceiptService Receipts,
    StatusService Status,
    DeviceBoard Devices,
    SyncSignal Signal);
