using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rpc;
using PosAgent.Rules;
using ProtoCard = PosAgent.Contracts.Loyalty.V1.Card;
using ProtoProgram = PosAgent.Contracts.Loyalty.V1.ProgramDefinition;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>The two gRPC services: terminal-facing and admin, each behind its own credential check.</summary>
internal sealed class CentralEndpoints(
    CallGuard guard,
    LedgerService ledger,
    AccountService accounts,
    ProgramCatalog programs,
    ChangeFeed feed,
    CredentialService credentials,
    JobRunner jobs,
    ReportService reports,
    RequestValidator validator,
    TimeProvider time)
{
    public GrpcServiceDefinition Terminal() =>
        new GrpcServiceBuilder(TerminalReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.ServiceDescriptor>("LoyaltyTerminalService"))
            .AddInterceptor(guard.Require(CredentialRole.Terminal))
            .Unary<SubmitTransactionsRequest, SubmitTransactionsResponse>("SubmitTransactions", (r, c) => guard.RunAsync(c, (caller, ct) =>
            {
                guard.Limit(caller, r.Transactions.Count);
                return ledger.SubmitAsync(caller, r, ct);
            }))
            .Unary<AuthorizeRedemptionRequest, AuthorizeRedemptionResponse>("AuthorizeRedemption", (r, c) => guard.RunAsync(c, (_, ct) => accounts.AuthorizeAsync(r, ct)))
            .Unary<GetCardSnapshotRequest, CardSnapshot>("GetCardSnapshot", (r, c) => guard.RunAsync(c, (_, ct) => accounts.SnapshotAsync(r.CardNumber, ct)))
            .Unary<PullChangesRequest, PullChangesResponse>("PullChanges", (r, c) => guard.RunAsync(c, (_, ct) => PullAsync(r, ct)))
            .ServerStreaming<WatchChangesRequest, Change>("WatchChanges", (r, stream, c) => guard.RunAsync(c, async (_, ct) =>
            {
                RequestValidator.Range("after_cursor", r.AfterCursor, 0, long.MaxValue);
                await feed.WatchAsync(r.AfterCursor, change => stream.WriteAsync(change, ct), ct);
                return 0;
            }))
            .Unary<ListProgramsRequest, ListProgramsResponse>("ListPrograms", (r, c) => guard.RunAsync(c, (_, ct) => ListProgramsAsync(false, ct)))
            .Unary<GetProgramRequest, ProtoProgram>("GetProgram", (r, c) => guard.RunAsync(c, (_, ct) => GetProgramAsync(r, ct)))
            .Unary<ListRewardsRequest, ListRewardsResponse>("ListRewards", (r, c) => guard.RunAsync(c, (_, ct) => ListRewardsAsync(r, ct)))
            .Unary<RegisterMemberRequest, RegisterMemberResponse>("RegisterMember", (r, c) => guard.RunAsync(c, (_, ct) => accounts.RegisterAsync(r, ct)))
            .Unary<IssueCardRequest, ProtoCard>("IssueCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.IssueCardAsync(r, ct)))
            .Unary<ReplaceCardRequest, ReplaceCardResponse>("ReplaceCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.ReplaceCardAsync(r, ct)))
            .Build();

    public GrpcServiceDefinition Admin() =>
        new GrpcServiceBuilder(AdminReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.ServiceDescriptor>("LoyaltyAdminService"))
            .AddInterceptor(guard.Require(CredentialRole.Admin))
            .Unary<RegisterMemberRequest, RegisterMemberResponse>("RegisterMember", (r, c) => guard.RunAsync(c, (_, ct) => accounts.RegisterAsync(r, ct)))
            .Unary<GetMemberRequest, Member>("GetMember", (r, c) => guard.RunAsync(c, (_, ct) => accounts.GetMemberAsync(r, ct)))
            .Unary<IssueCardRequest, ProtoCard>("IssueCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.IssueCardAsync(r, ct)))
            .Unary<ReplaceCardRequest, ReplaceCardResponse>("ReplaceCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.ReplaceCardAsync(r, ct)))
            .Unary<BlockCardRequest, ProtoCard>("BlockCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.BlockAsync(r, ct)))
            .Unary<UnblockCardRequest, ProtoCard>("UnblockCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.UnblockAsync(r, ct)))
            .Unary<AnnulCardRequest, ProtoCard>("AnnulCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.AnnulAsync(r, ct)))
            .Unary<ExtendCardRequest, ProtoCard>("ExtendCard", (r, c) => guard.RunAsync(c, (_, ct) => accounts.ExtendAsync(r, ct)))
            .Unary<GetCardSnapshotRequest, CardSnapshot>("GetCardSnapshot", (r, c) => guard.RunAsync(c, (_, ct) => accounts.SnapshotAsync(r.CardNumber, ct)))
            .Unary<GrantPointsRequest, TransactionResult>("GrantPoints", (r, c) => guard.RunAsync(c, (_, ct) => accounts.GrantAsync(r, ct)))
            .Unary<AssignTierRequest, CardSnapshot>("AssignTier", (r, c) => guard.RunAsync(c, (_, ct) => accounts.AssignTierAsync(r, ct)))
            .Unary<LoadProgramRequest, ProtoProgram>("LoadProgram", (r, c) => guard.RunAsync(c, async (_, ct) =>
            {
                RequestValidator.Text("definition_json", r.DefinitionJson, 1_000_000, required: true);
                var (record, _) = await programs.LoadAsync(r.DefinitionJson, "definition_json", r.Activate, ct);
                feed.NotifyCommitted();
                return ProgramCatalog.ToProto(record);
            }))
            .Unary<ListProgramsRequest, ListProgramsResponse>("ListPrograms", (r, c) => guard.RunAsync(c, (_, ct) => ListProgramsAsync(r.IncludeInactive, ct)))
            .Unary<ActivateProgramRequest, ProtoProgram>("ActivateProgram", (r, c) => guard.RunAsync(c, async (_, ct) =>
            {
                RequestValidator.Id("program_id", r.ProgramId);
                RequestValidator.Text("version", r.Version, 64, required: true);
                var record = await programs.ActivateAsync(r.ProgramId, r.Version, ct);
                feed.NotifyCommitted();
                return ProgramCatalog.ToProto(record);
            }))
            .Unary<ListRewardsRequest, ListRewardsResponse>("ListRewards", (r, c) => guard.RunAsync(c, (_, ct) => ListRewardsAsync(r, ct)))
            .Unary<CreateTerminalRequest, CreateTerminalResponse>("CreateTerminal", (r, c) => guard.RunAsync(c, async (_, ct) =>
            {
                RequestValidator.Id("terminal_id", r.TerminalId);
                RequestValidator.Id("store_id", r.StoreId);
                RequestValidator.Text("description", r.Description, 200);
                var (record, token) = await credentials.CreateAsync(CredentialRole.Terminal, r.TerminalId, r.StoreId, r.Description, ct);
                return new CreateTerminalResponse { Terminal = TerminalInfo(record), Token = token };
            }))
            .Unary<ListTerminalsRequest, ListTerminalsResponse>("ListTerminals", (r, c) => guard.RunAsync(c, async (_, ct) =>
            {
                var response = new ListTerminalsResponse();
                response.Terminals.AddRange((await credentials.ListAsync(CredentialRole.Terminal, ct)).Where(t => r.IncludeRevoked || t.RevokedAt is null).Select(TerminalInfo));
                return response;
            }))
            .Unary<RevokeTerminalRequest, TerminalInfo>("RevokeTerminal", (r, c) => guard.RunAsync(c, async (_, ct) =>
            {
                RequestValidator.Id("terminal_id", r.TerminalId);
                if (await credentials.RevokeAsync(CredentialRole.Terminal, r.TerminalId, ct) == 0)
                {
                    throw new NotFoundException($"terminal '{r.TerminalId}' has no active credential");
                }

                var all = await credentials.ListAsync(CredentialRole.Terminal, ct);
                return TerminalInfo(all.Last(t => t.TerminalId == r.TerminalId));
            }))
            .Unary<RunJobRequest, RunJobResponse>("RunJob", (r, c) => guard.RunAsync(c, async (_, ct) =>
            {
                RequestValidator.Id("job", r.Job);
                var asOf = r.AsOf is null ? time.GetUtcNow() : validator.BusinessTime("as_of", r.AsOf);
                var response = new RunJobResponse();
                response.Runs.AddRange(await jobs.RunAsync(r.Job, asOf, ct));
                return response;
            }))
            .Unary<GetLiabilityReportRequest, LiabilityReport>("GetLiabilityReport", (r, c) => guard.RunAsync(c, (_, ct) =>
                reports.LiabilityAsync(r.AsOf is null ? time.GetUtcNow() : r.AsOf.ToDateTimeOffset(), ct)))
            .Build();

    private static TerminalInfo TerminalInfo(CredentialRecord record) => new()
    {
        TerminalId = record.TerminalId ?? string.Empty,
        StoreId = record.StoreId ?? string.Empty,
        Description = record.Description,
        CreatedAt = ProtoMapping.Ts(record.CreatedAt),
        RevokedAt = ProtoMapping.Ts(record.RevokedAt),
        LastSeenAt = ProtoMapping.Ts(record.LastSeenAt),
    };

    private Task<PullChangesResponse> PullAsync(PullChangesRequest request, CancellationToken ct)
    {
        RequestValidator.Range("after_cursor", request.AfterCursor, 0, long.MaxValue);
        RequestValidator.Range("max_changes", request.MaxChanges, 0, 1000);
        return feed.PullAsync(request.AfterCursor, request.MaxChanges, ct);
    }

    private async Task<ListProgramsResponse> ListProgramsAsync(bool includeInactive, CancellationToken ct)
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

    private async Task<ProtoProgram> GetProgramAsync(GetProgramRequest request, CancellationToken ct)
    {
        RequestValidator.Id("program_id", request.ProgramId);
        RequestValidator.Text("version", request.Version, 64);
        var record = await programs.GetAsync(request.ProgramId, request.Version.Length == 0 ? null : request.Version, ct)
            ?? throw new NotFoundException($"program {request.ProgramId} {(request.Version.Length == 0 ? "has no active version" : "version " + request.Version + " is not loaded")}");
        return ProgramCatalog.ToProto(record);
    }

    private async Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken ct)
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
