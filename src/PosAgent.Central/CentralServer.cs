using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal;
using PosAgent.Central.Internal.Grpc;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Hosting;

namespace PosAgent.Central;

/// <summary>
/// The central service: one process serving the terminal and admin gRPC services over Kestrel,
/// with the store migrated and the program files loaded at start, and the job scheduler running.
/// </summary>
public sealed class CentralServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CentralComponents _components;
    private readonly JobScheduler? _scheduler;
    private HoldSweeper? _holdSweeper;

    /// <summary>The periodic sweep of expired redemption holds (tests await its ticks).</summary>
    internal HoldSweeper? HoldSweeper => _holdSweeper;
    private readonly CentralHealth _health;

    private CentralServer(WebApplication app, CentralComponents components, JobScheduler? scheduler, CentralHealth health)
    {
        _app = app;
        _components = components;
        _scheduler = scheduler;
        _health = health;
    }

    /// <summary>The addresses Kestrel listens on (ports resolved when 0 was asked).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public ILoyaltyStore Store => _components.Store;

    internal CentralHealth Health => _health;

    public static async Task<CentralServer> StartAsync(CentralOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddEmbeddedHostLifetime();
        if (loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
        }

        var urls = options.Urls.Count > 0 ? options.Urls.ToList() : [CentralDefaults.Url];
        var certificate = options.TlsCertificatePath is null ? null : LoadCertificate(options.TlsCertificatePath, options.TlsKeyPath);
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var url in urls)
            {
                var uri = new Uri(url);
                var address = uri.Host switch
                {
                    "localhost" => IPAddress.Loopback,
                    "*" or "+" or "0.0.0.0" => IPAddress.Any,
                    "[::]" => IPAddress.IPv6Any,
                    _ => IPAddress.Parse(uri.Host.Trim('[', ']')),
                };
                if (uri.Scheme == "https")
                {
                    k.ListenGrpcTls(address, uri.Port, new GrpcTlsOptions { ServerCertificate = certificate });
                }
                else
                {
                    k.ListenGrpc(address, uri.Port);
                }
            }
        });
        // The services are built from the store opened below; DI hands them out from the first call on.
        CentralComponents? opened = null;
        CentralComponents Opened() => opened ?? throw new InvalidOperationException("The central service is not open yet.");
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024)
            .AddServiceOptions<TerminalGrpcService>(o => o.Interceptors.Add<CallGuardInterceptor>(CredentialRole.Terminal))
            .AddServiceOptions<AdminGrpcService>(o => o.Interceptors.Add<CallGuardInterceptor>(CredentialRole.Admin));
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton(_ => Opened().Guard);
        builder.Services.AddSingleton(_ => Opened().TerminalService);
        builder.Services.AddSingleton(_ => Opened().AdminService);
        builder.Services.AddSingleton<HealthServiceImpl>();
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PosAgent.Central");
        var components = await CentralComponents.OpenAsync(options, time, logger, cancellationToken).ConfigureAwait(false);
        opened = components;
        var health = new CentralHealth(app.Services.GetRequiredService<HealthServiceImpl>(), components.Store, time, options.HealthProbeInterval, logger);
        try
        {
            app.MapGrpcService<TerminalGrpcService>();
            app.MapGrpcService<AdminGrpcService>();
            app.MapGrpcService<HealthServiceImpl>();
            app.MapGrpcReflectionService();
            health.Start();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await health.DisposeAsync().ConfigureAwait(false);
            await components.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var scheduler = options.JobInterval > TimeSpan.Zero ? new JobScheduler(components.Jobs, time, options.JobInterval, logger) : null;
        var server = new CentralServer(app, components, scheduler, health) { _holdSweeper = new HoldSweeper(components.Store, time, logger).Start(options.RedemptionHoldTtl) };
        CentralLog.Listening(logger, string.Join(", ", server.Addresses), LoyaltyStores.IsPostgres(options.ResolvedStore) ? "PostgreSQL" : options.ResolvedStore, await components.Store.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false));
        return server;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_holdSweeper is not null)
        {
            await _holdSweeper.DisposeAsync().ConfigureAwait(false);
        }

        if (_scheduler is not null)
        {
            await _scheduler.DisposeAsync().ConfigureAwait(false);
        }

        await _health.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _components.DisposeAsync().ConfigureAwait(false);
    }

    private static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath)
    {
        using var pem = keyPath is null ? X509Certificate2.CreateFromPemFile(certificatePath) : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Re-import so the key is usable by SslStream on every platform (PEM keys are ephemeral).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
