using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal;

/// <summary>
/// The service's parts over one store without a server (the operator's commands): the same
/// registrations as the served program (<see cref="CentralServiceCollectionExtensions.AddCentralCore"/>),
/// resolved from their own container.
/// </summary>
internal sealed class CentralComponents : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CentralComponents(ServiceProvider services) => _services = services;

    public ILoyaltyStore Store => _services.GetRequiredService<ILoyaltyStore>();

    public ProgramCatalog Programs => _services.GetRequiredService<ProgramCatalog>();

    public CredentialService Credentials => _services.GetRequiredService<CredentialService>();

    public AccountService Accounts => _services.GetRequiredService<AccountService>();

    public JobRunner Jobs => _services.GetRequiredService<JobRunner>();

    public ReportService Reports => _services.GetRequiredService<ReportService>();

    /// <summary>Opens and migrates the store, then loads the program files (activating programs that have no active version).</summary>
    public static async Task<CentralComponents> OpenAsync(CentralOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddSingleton(loggers);
        services.AddCentralOptions(options);
        services.AddCentralCore();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        try
        {
            await provider.GetRequiredService<CentralStartup>().OpenAsync(cancellationToken).ConfigureAwait(false);
            return new CentralComponents(provider);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync().ConfigureAwait(false);
}
