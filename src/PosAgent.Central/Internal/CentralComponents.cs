using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Grpc;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Central.Storage;
using PosAgent.Rules;

namespace PosAgent.Central.Internal;

/// <summary>The service's parts wired together over one store (used by the server and by the CLI without a server).</summary>
internal sealed class CentralComponents : IAsyncDisposable
{
    private CentralComponents(CentralOptions options, ILoyaltyStore store, TimeProvider time, ILogger logger, CentralMetrics? metrics)
    {
        Store = store;
        Feed = new ChangeFeed(store, time, options.ChangePollInterval);
        Programs = new ProgramCatalog(store, time, Feed);
        var validator = new RequestValidator(time, options);
        Credentials = new CredentialService(store, time, options.CredentialCacheTtl);
        Ledger = new LedgerService(store, Programs, validator, time, logger, metrics);
        Accounts = new AccountService(store, Programs, Feed, validator, time, logger, options.RedemptionHoldTtl);
        Jobs = new JobRunner(store, Programs, Feed, options, time, logger);
        Reports = new ReportService(store, Programs);
        Guard = new CallGuard(Credentials, options, time, logger, metrics);
        var shared = new CentralEndpoints(Accounts, Programs, Feed);
        TerminalService = new TerminalGrpcService(shared, Guard, Ledger, Accounts, Feed);
        AdminService = new AdminGrpcService(shared, Accounts, Programs, Feed, Credentials, Jobs, Reports, validator, time);
    }

    public ILoyaltyStore Store { get; }

    public ChangeFeed Feed { get; }

    public ProgramCatalog Programs { get; }

    public CredentialService Credentials { get; }

    public LedgerService Ledger { get; }

    public AccountService Accounts { get; }

    public JobRunner Jobs { get; }

    public ReportService Reports { get; }

    public CallGuard Guard { get; }

    public TerminalGrpcService TerminalService { get; }

    public AdminGrpcService AdminService { get; }

    /// <summary>Opens and migrates the store, then loads the program files (activating programs that have no active version).</summary>
    public static async Task<CentralComponents> OpenAsync(CentralOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken, CentralMetrics? metrics = null)
    {
        var store = LoyaltyStores.Open(options.ResolvedStore);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            var components = new CentralComponents(options, store, time, logger, metrics);
            if (options.ProgramsDirectory is not null)
            {
                await components.LoadProgramFilesAsync(options.ProgramsDirectory, logger, cancellationToken).ConfigureAwait(false);
            }

            return components;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task LoadProgramFilesAsync(string directory, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var entry in ProgramFolder.Read(directory))
        {
            var file = entry.Path;
            if (entry.Json is not { } json)
            {
                CentralLog.ProgramNotLoaded(logger, file, entry.SkipReason!);
                continue;
            }

            try
            {
                var (record, _) = await Programs.LoadAsync(json, file, activate: false, cancellationToken).ConfigureAwait(false);
                CentralLog.ProgramLoaded(logger, record.ProgramId, record.Version, file, record.Active);
            }
            catch (Exception ex) when (ex is ProgramFileException or ProgramVersionConflictException)
            {
                // A bad or changed file must not stop the service from serving the others.
                CentralLog.ProgramNotLoaded(logger, file, ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Guard.Dispose();
        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
