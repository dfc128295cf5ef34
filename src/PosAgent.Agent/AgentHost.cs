using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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
/// One running agent on the Generic Host (WebApplication): the local API server, the outbox and
/// sync worker, the caches and the lane's devices, registered by
/// <see cref="AgentServiceCollectionExtensions.AddPosAgentAgent"/>. <c>posagent-agent run</c> runs it
/// until SIGTERM/Ctrl+C (<see cref="CreateProgram"/>); the demo and tests start it in-process with
/// <see cref="StartAsync(AgentOptions, CancellationToken)"/> and stop it by disposing.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private AgentHost(WebApplication app) => _app = app;

    public AgentOptions Options => _app.Services.GetRequiredService<IOptions<AgentOptions>>().Value;

    /// <summary>The Unix socket of the local API, or null when disabled.</summary>
    public string? SocketPath => _app.Services.GetRequiredService<AgentEndpoints>().SocketPath;

    /// <summary>The loopback TCP address of the local API (e.g. "http://127.0.0.1:50051"), or null when disabled.</summary>
    public string? TcpAddress => _app.Services.GetRequiredService<AgentEndpoints>().TcpAddress;

    internal AgentParts Parts => _app.Services.GetRequiredService<AgentParts>();

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
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(overrides.LoggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddEmbeddedLifetime(options.ShutdownTimeout);
        builder.Services.AddAgentOptions(options);
        if (overrides.TimeProvider is { } time)
        {
            builder.Services.AddSingleton(time);
        }

        if (overrides.CentralClient is { } client)
        {
            builder.Services.AddSingleton(new CentralClientSlot(client, owned: false));
        }

        if (overrides.Estimator is { } estimator)
        {
            builder.Services.AddSingleton(estimator);
        }

        if (overrides.ReceiptPrinter is { } printer)
        {
            builder.Services.AddSingleton(printer);
        }

        var app = Build(builder, options);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new AgentHost(app);
    }

    /// <summary>
    /// The program as <c>posagent-agent run</c> runs it: options bound from <paramref name="configuration"/>
    /// and validated when it starts, console or journald logging at <paramref name="logLevel"/>, the console or
    /// systemd lifetime, stops bounded by <paramref name="shutdownTimeout"/>.
    /// </summary>
    public static WebApplication CreateProgram(IConfiguration configuration, LogLevel logLevel, TimeSpan shutdownTimeout)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddProgramConsole(logLevel);
        builder.Services.AddProgramLifetime(shutdownTimeout);
        builder.Services.AddAgentOptions(configuration);
        return Build(builder, configuration.Get<AgentOptions>() ?? new AgentOptions());
    }

    /// <summary>
    /// The one place the agent's services are registered and its endpoints mapped. Telemetry is decided
    /// at registration (whether a metrics listener and exporters exist), so it reads the options given.
    /// </summary>
    private static WebApplication Build(WebApplicationBuilder builder, AgentOptions options)
    {
        builder.Services.AddPosAgentAgent();
        builder.Services.AddAgentTelemetry(options.Telemetry, options.TerminalId);
        var app = builder.Build();
        app.MapAgentTelemetry(options.Telemetry);
        app.MapPosAgentApi();
        return app;
    }

    /// <summary>The program's local API endpoints (known once it has started).</summary>
    public static (string? SocketPath, string? TcpAddress) EndpointsOf(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoints = app.Services.GetRequiredService<AgentEndpoints>();
        return (endpoints.SocketPath, endpoints.TcpAddress);
    }

    /// <summary>Stops the API and the background work (within <see cref="AgentOptions.ShutdownTimeout"/>); the outbox stays on disk for the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
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
