using System.Globalization;
using Microsoft.Extensions.Logging;
using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Estimation;
using PosAgent.Agent.Internal.Storage;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Sync;

/// <summary>
/// Keeps the offline caches fresh in the background: the active program definitions and the
/// changes feed (blocked, replaced, annulled cards; program activations) followed by cursor.
/// </summary>
internal sealed class CacheRefresher
{
    private const string CursorKey = "changes_cursor";
    private readonly AgentStore _store;
    private readonly CentralGateway _central;
    private readonly CardDirectory _cards;
    private readonly IEstimator _estimator;
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CacheRefresher(AgentStore store, CentralGateway central, CardDirectory cards, IEstimator estimator, SyncOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _central = central;
        _cards = cards;
        _estimator = estimator;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>Loads the cached programs, then those of the programs folder that the cache lacks.</summary>
    public void LoadLocal(string? programsDirectory)
    {
        foreach (var program in _store.LoadPrograms())
        {
            TryLoad(program.DefinitionJson, "cache", program.FetchedAt);
        }

        if (programsDirectory is null)
        {
            return;
        }

        // One bad entry (a FIFO, a dangling link, `[]`) is reported and skipped: the lane starts with the rest.
        foreach (var entry in PosAgent.Rules.ProgramFolder.Read(programsDirectory))
        {
            if (entry.Json is not { } json)
            {
                AgentLog.ProgramRejected(_logger, entry.Path, entry.SkipReason!);
                continue;
            }

            if (TryPeekId(json) is { } id && _estimator.FindProgram(id) is not null)
            {
                continue;
            }

            TryLoad(json, entry.Path, _time.GetUtcNow());
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_central.IsReachable)
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(_central.IsReachable ? _options.CacheRefreshInterval : _options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed refresh keeps the old caches; the next one tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                AgentLog.RefreshFailed(_logger, CentralGateway.Describe(ex));
                try
                {
                    await Task.Delay(_options.CacheRefreshInterval, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One refresh: programs, then the changes feed until it has no more.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var programs = await _central.CallWithRetriesAsync((c, ct) => c.ListProgramsAsync(new Loyalty.ListProgramsRequest(), ct), cancellationToken).ConfigureAwait(false);
        foreach (var program in programs.Programs)
        {
            if (_estimator.FindProgram(program.ProgramId)?.Version == program.Version || program.DefinitionJson.Length == 0)
            {
                continue;
            }

            if (TryLoad(program.DefinitionJson, "central", _time.GetUtcNow()) is not null)
            {
                _store.PutProgram(new CachedProgram(program.ProgramId, program.Version, program.DefinitionJson, _time.GetUtcNow()));
            }
        }

        var cursor = long.TryParse(_store.GetMeta(CursorKey), CultureInfo.InvariantCulture, out var c0) ? c0 : 0;
        while (true)
        {
            var after = cursor;
            var page = await _central.CallWithRetriesAsync((c, ct) => c.PullChangesAsync(new Loyalty.PullChangesRequest { AfterCursor = after, MaxChanges = 500 }, ct), cancellationToken).ConfigureAwait(false);
            foreach (var change in page.Changes)
            {
                if (change.Card is { } card)
                {
                    _cards.Apply(card);
                }
            }

            if (page.NextCursor > cursor)
            {
                cursor = page.NextCursor;
                _store.SetMeta(CursorKey, cursor.ToString(CultureInfo.InvariantCulture));
            }

            if (!page.HasMore || page.Changes.Count == 0)
            {
                break;
            }
        }

        LastRefresh = _time.GetUtcNow();
    }

    private ProgramInfo? TryLoad(string json, string source, DateTimeOffset fetchedAt)
    {
        try
        {
            var info = _estimator.Load(json, source, fetchedAt);
            AgentLog.ProgramLoaded(_logger, info.ProgramId, info.Version, source);
            return info;
        }
#pragma warning disable CA1031 // A bad definition is reported and skipped; the previous version stays.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            AgentLog.ProgramRejected(_logger, source, ex.Message);
            return null;
        }
    }

    private static string? TryPeekId(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var root = document.RootElement;
            return root.ValueKind == System.Text.Json.JsonValueKind.Object
                && root.TryGetProperty("id", out var id)
                && id.ValueKind == System.Text.Json.JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
