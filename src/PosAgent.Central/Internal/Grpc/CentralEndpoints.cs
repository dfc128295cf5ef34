using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using ProtoCard = PosAgent.Contracts.Loyalty.V1.Card;
using ProtoProgram = PosAgent.Contracts.Loyalty.V1.ProgramDefinition;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>What the terminal and admin services share: program and reward listings, terminal records.</summary>
internal sealed class CentralEndpoints(AccountService accounts, ProgramCatalog programs, ChangeFeed feed)
{
    public static TerminalInfo TerminalInfo(CredentialRecord record) => new()
    {
        TerminalId = record.TerminalId ?? string.Empty,
        StoreId = record.StoreId ?? string.Empty,
        Description = record.Description,
        CreatedAt = ProtoMapping.Ts(record.CreatedAt),
        RevokedAt = ProtoMapping.Ts(record.RevokedAt),
        LastSeenAt = ProtoMapping.Ts(record.LastSeenAt),
        ChainId = record.ChainId ?? string.Empty,
        Scope = record.Role != CredentialRole.Terminal ? TerminalScope.Unspecified : record.Scope == CredentialScope.Chain ? TerminalScope.Chain : TerminalScope.Store,
    };

    public Task<PullChangesResponse> PullAsync(PullChangesRequest request, CancellationToken ct)
    {
        RequestValidator.Range("after_cursor", request.AfterCursor, 0, long.MaxValue);
        RequestValidator.Range("max_changes", request.MaxChanges, 0, 1000);
        return feed.PullAsync(request.AfterCursor, request.MaxChanges, ct);
    }

    public async Task<ListProgramsResponse> ListProgramsAsync(bool includeInactive, CancellationToken ct)
    {
        var response = new ListProgramsResponse();
        var active = await programs.ActiveAsync(ct);
        if (!includeInactive)
        {
            response.Programs.AddRange(active.Values.OrderBy(p => p.ProgramId, StringComparer.Ordinal).Select(ProgramCatalog.ToProto));
            return response;
        }

        response.Programs.AddRange((await programs.ListAllAsync(ct)).Select(ProgramCatalog.ToProto));
        return response;
    }

    public async Task<ProtoProgram> GetProgramAsync(GetProgramRequest request, CancellationToken ct)
    {
        RequestValidator.Id("program_id", request.ProgramId);
        RequestValidator.Text("version", request.Version, 64);
        var record = await programs.GetAsync(request.ProgramId, request.Version.Length == 0 ? null : request.Version, ct)
            ?? throw new NotFoundException($"program {request.ProgramId} {(request.Version.Length == 0 ? "has no active version" : "version " + request.Version + " is not loaded")}");
        return ProgramCatalog.ToProto(record);
    }

    public async Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken ct)
    {
        RequestValidator.Id("program_id", request.ProgramId);
        RequestValidator.Text("region", request.Region, 64);
        RequestValidator.CardNumber("card_number", request.CardNumber, required: false);
        var engine = await programs.ActiveEngineAsync(request.ProgramId, ct);
        var discount = 0m;
        if (request.CardNumber.Length > 0)
        {
            var snapshot = await accounts.SnapshotAsync(request.CardNumber, ct);
            discount = engine.Program.Definition.Tiers.Levels.FirstOrDefault(t => t.Id == snapshot.Balance.Tier)?.RewardDiscountPercent ?? 0m;
        }

        var response = new ListRewardsResponse();
        foreach (var item in engine.Program.Definition.Catalog?.Items ?? [])
        {
            if (request.Region.Length > 0 && item.Regions.Count > 0 && !item.Regions.Contains(request.Region))
            {
                continue;
            }

            response.Rewards.Add(new Reward
            {
                RewardId = item.Id,
                ProgramId = engine.Program.Id,
                Name = item.Name ?? item.Id,
                PricePoints = item.Price,
                PriceForMember = item.Price - (long)Math.Floor(item.Price * discount / 100m),
                OncePerCustomer = item.OncePerCustomer,
                Region = string.Join(",", item.Regions),
                Validity = item.Validity,
            });
        }

        return response;
    }
}
