using System.Collections.Concurrent;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Service;

/// <summary>
/// Program definitions in the store, and one rules engine per loaded version. The active version
/// of each program is cached for <see cref="ActiveTtl"/>, so an activation made by another
/// instance is seen within that time (this instance's own activations at once).
/// </summary>
internal sealed class ProgramCatalog(ILoyaltyStore store, TimeProvider time, ChangeFeed feed)
{
    public static readonly TimeSpan ActiveTtl = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(string Id, string Version), LoyaltyEngine> _engines = new();
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, ProgramRecord>? _active;
    private DateTimeOffset _activeUntil;

    public async Task<LoyaltyEngine> ActiveEngineAsync(string programId, CancellationToken cancellationToken)
    {
        var active = await ActiveAsync(cancellationToken).ConfigureAwait(false);
        if (!active.TryGetValue(programId, out var record))
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.WrongProgram, $"Program {programId} has no active version.");
        }

        return Engine(record);
    }

    public async Task<IReadOnlyDictionary<string, ProgramRecord>> ActiveAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_active is not null && now < _activeUntil)
            {
                return _active;
            }
        }

        var list = await store.ReadAsync((s, ct) => s.ListProgramsAsync(false, ct), cancellationToken).ConfigureAwait(false);
        var map = list.ToDictionary(p => p.ProgramId, StringComparer.Ordinal);
        lock (_gate)
        {
            _active = map;
            _activeUntil = now + ActiveTtl;
        }

        return map;
    }

    public Task<IReadOnlyList<ProgramRecord>> ListAllAsync(CancellationToken cancellationToken) =>
        store.ReadAsync((s, ct) => s.ListProgramsAsync(true, ct), cancellationToken);

    public Task<ProgramRecord?> GetAsync(string programId, string? version, CancellationToken cancellationToken) =>
        store.ReadAsync((s, ct) => s.GetProgramAsync(programId, version, ct), cancellationToken);

    public LoyaltyEngine Engine(ProgramRecord record) =>
        _engines.GetOrAdd((record.ProgramId, record.Version), _ =>
            new LoyaltyEngine(LoyaltyProgram.Parse(record.DefinitionJson, $"{record.ProgramId} v{record.Version}"), timeProvider: time));

    /// <summary>
    /// Validates and stores a definition. The same id and version again with the same text is a
    /// no-op; with different text it is refused (results record the version, so a version never changes).
    /// </summary>
    public async Task<(ProgramRecord Record, bool Created)> LoadAsync(string json, string sourceName, bool activate, CancellationToken cancellationToken)
    {
        // Throws ProgramFileException naming the source, the field path and the reason.
        var program = LoyaltyProgram.Parse(json, sourceName);
        var now = time.GetUtcNow();
        var result = await store.WriteAsync(async (s, ct) =>
        {
            var existing = await s.GetProgramAsync(program.Id, program.Version, ct);
            var created = false;
            if (existing is not null)
            {
                if (existing.DefinitionJson != json)
                {
                    throw new ProgramVersionConflictException($"{sourceName}: program {program.Id} version {program.Version} is already loaded with different content; give the file a new version");
                }
            }
            else
            {
                existing = new ProgramRecord(program.Id, program.Version, json, program.Definition.Name ?? program.Id, program.Currency, now, false, null);
                await s.InsertProgramAsync(existing, ct);
                created = true;
            }

            var hasActive = await s.GetProgramAsync(program.Id, null, ct) is not null;
            if ((activate || !hasActive) && !existing.Active)
            {
                existing = await ActivateCoreAsync(s, program.Id, program.Version, now, ct);
            }

            return (existing, created);
        }, cancellationToken).ConfigureAwait(false);
        Invalidate();
        return result;
    }

    public async Task<ProgramRecord> ActivateAsync(string programId, string version, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = await store.WriteAsync(async (s, ct) =>
        {
            var existing = await s.GetProgramAsync(programId, version, ct)
                ?? throw new KeyNotFoundException($"program {programId} version {version} is not loaded");
            return existing.Active ? existing : await ActivateCoreAsync(s, programId, version, now, ct);
        }, cancellationToken).ConfigureAwait(false);
        Invalidate();
        return record;
    }

    public static PosAgent.Contracts.Loyalty.V1.ProgramDefinition ToProto(ProgramRecord record) => new()
    {
        ProgramId = record.ProgramId,
        Version = record.Version,
        Active = record.Active,
        DefinitionJson = record.DefinitionJson,
        LoadedAt = ProtoMapping.Ts(record.LoadedAt),
        ActivatedAt = ProtoMapping.Ts(record.ActivatedAt),
        Currency = record.Currency,
        Name = record.Name,
    };

    private async Task<ProgramRecord> ActivateCoreAsync(IStoreSession s, string programId, string version, DateTimeOffset now, CancellationToken ct)
    {
        await s.ActivateProgramAsync(programId, version, now, ct);
        await feed.AppendAsync(s, new Change { Time = ProtoMapping.Ts(now), Program = new ProgramChange { ProgramId = programId, Version = version } }, now, ct);
        return (await s.GetProgramAsync(programId, version, ct))!;
    }

    private void Invalidate()
    {
        lock (_gate)
        {
            _active = null;
        }
    }
}

/// <summary>A program id and version already loaded with other content.</summary>
internal sealed class ProgramVersionConflictException(string message) : Exception(message);
