using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Grpc;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Central.Storage;
using PosAgent.Hosting;

namespace PosAgent.Central;

/// <summary>
/// The central service: one Generic Host (WebApplication) serving the terminal and admin gRPC
/// services over Kestrel, with the store migrated and the program files loaded before it listens,
/// and health probing and the job scheduler as hosted services. <c>posagent-central serve</c>
/// runs it until SIGTERM/Ctrl+C (<see cref="CreateProgram"/>); tests and the demo start it in-process
/// with <see cref="StartAsync"/> and stop it by disposing.
/// </summary>
public sealed class CentralServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private CentralServer(WebApplication app) => _app = app;

    /// <summary>The addresses Kestrel listens on (ports resolved when 0 was asked).</summary>
    public IReadOnlyList<string> Addresses => AddressesOf(_app);

    public ILoyaltyStore Store => _app.Services.GetRequiredService<ILoyaltyStore>();

    internal CentralHealth Health => _app.Services.GetRequiredService<CentralHealth>();

    /// <summary>The periodic sweep of expired redemption holds (tests await its ticks).</summary>
    internal HoldSweeper HoldSweeper => _app.Services.GetRequiredService<HoldSweeper>();

    internal CentralMetrics Metrics => _app.Services.GetRequiredService<CentralMetrics>();

    /// <summary>Starts the service in-process on <paramref name="options"/> (validated first); the host reacts to no signal, the caller disposes it.</summary>
    public static async Task<CentralServer> StartAsync(CentralOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddEmbeddedLifetime(options.ShutdownTimeout);
        if (loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddSingleton(timeProvider ?? TimeProvider.System);
        builder.Services.AddCentralOptions(options);
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

        return new CentralServer(app);
    }

    /// <summary>
    /// The program as <c>posagent-central serve</c> runs it: options from <paramref name="configuration"/>
    /// (validated when it starts), console or journald logging, the console or systemd lifetime.
    /// </summary>
    public static WebApplication CreateProgram(IConfiguration configuration, TimeSpan shutdownTimeout)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddProgramConsole(LogLevel.Information);
        builder.Services.AddProgramLifetime(shutdownTimeout);
        builder.Services.AddCentralOptions(configuration);
        return Build(builder, configuration.Get<CentralOptions>() ?? new CentralOptions());
    }

    /// <summary>
    /// The one place the served program's services are registered and its endpoints mapped. Telemetry is
    /// decided at registration (whether exporters exist), so it reads the options given.
    /// </summary>
    private static WebApplication Build(WebApplicationBuilder builder, CentralOptions options)
    {
        builder.Services.AddCentralService();
        builder.Services.AddCentralTelemetry(options.Telemetry);
        var app = builder.Build();
        app.MapCentralService();
        app.MapCentralTelemetry(options.Telemetry, () => app.Services.GetRequiredService<CentralHealth>());
        return app;
    }

    internal static IReadOnlyList<string> AddressesOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
