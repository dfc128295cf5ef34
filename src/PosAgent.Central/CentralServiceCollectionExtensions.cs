using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PosAgent.Central.Internal;
using PosAgent.Central.Internal.Grpc;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Central.Storage;
using PosAgent.Hosting;

namespace PosAgent.Central;

/// <summary>
/// The central service's registrations, in one place: the parts over one store (<see cref="AddCentralCore"/>),
/// and the served program on top of them (<see cref="AddCentralService(IServiceCollection)"/>: gRPC services,
/// Kestrel listeners, health, the job scheduler). Cross-cutting additions (telemetry) go beside the call
/// to <see cref="AddCentralService(IServiceCollection)"/> in <see cref="CentralServer"/>.
/// </summary>
public static class CentralServiceCollectionExtensions
{
    /// <summary>Central options from <paramref name="configuration"/>, validated at start (ValidateOnStart) with the messages of <see cref="CentralOptions.Validate"/>.</summary>
    public static IServiceCollection AddCentralOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CentralOptions>().Bind(configuration).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CentralOptions>, CentralOptionsValidator>());
        return services;
    }

    /// <summary>Central options given whole (in-process hosts: tests, the demo); validated now and at start.</summary>
    public static IServiceCollection AddCentralOptions(this IServiceCollection services, CentralOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CentralOptions>, CentralOptionsValidator>());
        return services;
    }

    /// <summary>
    /// The parts over one store (store, change feed, programs, credentials, ledger, accounts, jobs,
    /// reports, the call guard, the gRPC service implementations). <see cref="CentralStartup"/> opens
    /// (migrates) the store and loads the program files before anything else starts.
    /// </summary>
    internal static IServiceCollection AddCentralCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CentralLogger>();
        services.AddSingleton(sp => LoyaltyStores.Open(Options(sp).ResolvedStore));
        services.AddSingleton(sp => new ChangeFeed(sp.GetRequiredService<ILoyaltyStore>(), Time(sp), Options(sp).ChangePollInterval));
        services.AddSingleton(sp => new ProgramCatalog(sp.GetRequiredService<ILoyaltyStore>(), Time(sp), sp.GetRequiredService<ChangeFeed>()));
        services.AddSingleton(sp => new RequestValidator(Time(sp), Options(sp)));
        services.AddSingleton(sp => new CredentialService(sp.GetRequiredService<ILoyaltyStore>(), Time(sp), Options(sp).CredentialCacheTtl));
        services.AddSingleton(sp => new LedgerService(sp.GetRequiredService<ILoyaltyStore>(), sp.GetRequiredService<ProgramCatalog>(), sp.GetRequiredService<RequestValidator>(), Time(sp), Log(sp), sp.GetService<CentralMetrics>()));
        services.AddSingleton(sp => new AccountService(sp.GetRequiredService<ILoyaltyStore>(), sp.GetRequiredService<ProgramCatalog>(), sp.GetRequiredService<ChangeFeed>(), sp.GetRequiredService<RequestValidator>(), Time(sp), Log(sp), Options(sp).RedemptionHoldTtl));
        services.AddSingleton(sp => new JobRunner(sp.GetRequiredService<ILoyaltyStore>(), sp.GetRequiredService<ProgramCatalog>(), sp.GetRequiredService<ChangeFeed>(), Options(sp), Time(sp), Log(sp)));
        services.AddSingleton(sp => new ReportService(sp.GetRequiredService<ILoyaltyStore>(), sp.GetRequiredService<ProgramCatalog>()));
        services.AddSingleton(sp => new CallGuard(sp.GetRequiredService<CredentialService>(), Options(sp), Time(sp), Log(sp), sp.GetService<CentralMetrics>()));
        services.AddSingleton(sp => new CentralEndpoints(sp.GetRequiredService<AccountService>(), sp.GetRequiredService<ProgramCatalog>(), sp.GetRequiredService<ChangeFeed>()));
        services.AddSingleton(sp => new TerminalGrpcService(sp.GetRequiredService<CentralEndpoints>(), sp.GetRequiredService<CallGuard>(), sp.GetRequiredService<LedgerService>(), sp.GetRequiredService<AccountService>(), sp.GetRequiredService<ChangeFeed>()));
        services.AddSingleton(sp => new AdminGrpcService(sp.GetRequiredService<CentralEndpoints>(), sp.GetRequiredService<AccountService>(), sp.GetRequiredService<ProgramCatalog>(), sp.GetRequiredService<ChangeFeed>(), sp.GetRequiredService<CredentialService>(), sp.GetRequiredService<JobRunner>(), sp.GetRequiredService<ReportService>(), sp.GetRequiredService<RequestValidator>(), Time(sp)));
        services.TryAddSingleton<CentralStartup>();
        return services;
    }

    /// <summary>
    /// The served central service: the parts (<see cref="AddCentralCore"/>), gRPC with the call guard,
    /// health and reflection, the listeners of <see cref="CentralOptions.Urls"/>, and the hosted
    /// services in start order: the store's opening, health (probe loop), the job scheduler.
    /// </summary>
    public static IServiceCollection AddCentralService(this IServiceCollection services)
    {
        services.AddCentralCore();
        services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024)
            .AddServiceOptions<TerminalGrpcService>(o => o.Interceptors.Add<CallGuardInterceptor>(CredentialRole.Terminal))
            .AddServiceOptions<AdminGrpcService>(o => o.Interceptors.Add<CallGuardInterceptor>(CredentialRole.Admin));
        services.AddGrpcReflection();
        services.TryAddSingleton<HealthServiceImpl>();
        services.AddSingleton(sp => new CentralHealth(sp.GetRequiredService<HealthServiceImpl>(), sp.GetRequiredService<ILoyaltyStore>(), Time(sp), Options(sp).HealthProbeInterval, Log(sp)));
        services.AddSingleton(sp => new JobScheduler(sp.GetRequiredService<JobRunner>(), Time(sp), Options(sp).JobInterval, Log(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<CentralStartup>());
        services.AddHostedService(sp => sp.GetRequiredService<CentralHealth>());
        services.AddHostedService(sp => sp.GetRequiredService<JobScheduler>());
        services.AddSingleton(sp => new HoldSweeper(sp.GetRequiredService<ILoyaltyStore>(), Time(sp), Log(sp)));
        services.AddHostedService(sp => new HoldSweeperService(sp.GetRequiredService<HoldSweeper>(), Options(sp).RedemptionHoldTtl));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<CentralOptions>>((kestrel, central) =>
        {
            // Kestrel is built with the host, before ValidateOnStart runs: invalid options configure no
            // listener here, and the start is refused with every problem a moment later.
            try
            {
                Listen(kestrel, central.Value);
            }
            catch (OptionsValidationException)
            {
            }
        });
        return services;
    }

    /// <summary>The central service's gRPC endpoints.</summary>
    public static IEndpointRouteBuilder MapCentralService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<TerminalGrpcService>();
        endpoints.MapGrpcService<AdminGrpcService>();
        endpoints.MapGrpcService<HealthServiceImpl>();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }

    private static CentralOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<CentralOptions>>().Value;

    private static TimeProvider Time(IServiceProvider sp) => sp.GetRequiredService<TimeProvider>();

    private static ILogger Log(IServiceProvider sp) => sp.GetRequiredService<CentralLogger>().Logger;

    private static void Listen(KestrelServerOptions kestrel, CentralOptions options)
    {
        var urls = options.Urls.Count > 0 ? options.Urls.ToList() : [CentralDefaults.Url];
        X509Certificate2? certificate = null;
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
                certificate ??= LoadCertificate(options.TlsCertificatePath!, options.TlsKeyPath);
                kestrel.ListenGrpcTls(address, uri.Port, new GrpcTlsOptions { ServerCertificate = certificate });
            }
            else
            {
                // HTTP/1.1 beside h2c: /metrics and /healthz for scrapers and load balancers.
                kestrel.ListenGrpc(address, uri.Port, acceptHttp1: true);
            }
        }
    }

    private static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath)
    {
        using var pem = keyPath is null ? X509Certificate2.CreateFromPemFile(certificatePath) : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Re-import so the key is usable by SslStream on every platform (PEM keys are ephemeral).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>The service's one log category ("PosAgent.Central"), as every part has always logged under it.</summary>
internal sealed class CentralLogger(ILoggerFactory loggers)
{
    public ILogger Logger { get; } = loggers.CreateLogger("PosAgent.Central");
}

/// <summary>
/// Opens the store before anything else starts (migrations, then the program files, activating
/// programs that have no active version), and says where the service listens once it does.
/// </summary>
internal sealed class CentralStartup(IServiceProvider services, IOptions<CentralOptions> options, CentralLogger log) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Migrates the store and loads the program files (also used by the operator commands, which run no host).</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<ILoyaltyStore>();
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (options.Value.ProgramsDirectory is { } programs)
        {
            await LoadProgramFilesAsync(programs, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
        var store = services.GetRequiredService<ILoyaltyStore>();
        CentralLog.Listening(log.Logger, string.Join(", ", addresses), LoyaltyStores.IsPostgres(options.Value.ResolvedStore) ? "PostgreSQL" : options.Value.ResolvedStore, await store.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task LoadProgramFilesAsync(string directory, CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<ProgramCatalog>();
        foreach (var entry in Rules.ProgramFolder.Read(directory))
        {
            var file = entry.Path;
            if (entry.Json is not { } json)
            {
                CentralLog.ProgramNotLoaded(log.Logger, file, entry.SkipReason!);
                continue;
            }

            try
            {
                var (record, _) = await catalog.LoadAsync(json, file, activate: false, cancellationToken).ConfigureAwait(false);
                CentralLog.ProgramLoaded(log.Logger, record.ProgramId, record.Version, file, record.Active);
            }
            catch (Exception ex) when (ex is Rules.ProgramFileException or ProgramVersionConflictException)
            {
                // A bad or changed file must not stop the service from serving the others.
                CentralLog.ProgramNotLoaded(log.Logger, file, ex.Message);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Sweeps expired redemption holds every hold TTL while the service runs.</summary>
internal sealed class HoldSweeperService(HoldSweeper sweeper, TimeSpan interval) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        sweeper.Start(interval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await sweeper.DisposeAsync().ConfigureAwait(false);
}
