using Grpc.Core;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using ProtoCard = PosAgent.Contracts.Loyalty.V1.Card;
using ProtoProgram = PosAgent.Contracts.Loyalty.V1.ProgramDefinition;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// posagent.loyalty.v1.LoyaltyAdminService. Authentication (an admin credential) and the mapping of
/// refusals to statuses happen in <see cref="CallGuardInterceptor"/>.
/// </summary>
internal sealed class AdminGrpcService(
    CentralEndpoints shared,
    AccountService accounts,
    ProgramCatalog programs,
    ChangeFeed feed,
    CredentialService credentials,
    JobRunner jobs,
    ReportService reports,
    RequestValidator validator,
    TimeProvider time) : LoyaltyAdminService.LoyaltyAdminServiceBase
{
    public override Task<RegisterMemberResponse> RegisterMember(RegisterMemberRequest request, ServerCallContext context) => accounts.RegisterAsync(request, context.CancellationToken);

    public override Task<Member> GetMember(GetMemberRequest request, ServerCallContext context) => accounts.GetMemberAsync(request, context.CancellationToken);

    public override Task<ProtoCard> IssueCard(IssueCardRequest request, ServerCallContext context) => accounts.IssueCardAsync(request, context.CancellationToken);

    public override Task<ReplaceCardResponse> ReplaceCard(ReplaceCardRequest request, ServerCallContext context) => accounts.ReplaceCardAsync(request, context.CancellationToken);

    public override Task<ProtoCard> BlockCard(BlockCardRequest request, ServerCallContext context) => accounts.BlockAsync(request, context.CancellationToken);

    public override Task<ProtoCard> UnblockCard(UnblockCardRequest request, ServerCallContext context) => accounts.UnblockAsync(request, context.CancellationToken);

    public override Task<ProtoCard> AnnulCard(AnnulCardRequest request, ServerCallContext context) => accounts.AnnulAsync(request, context.CancellationToken);

    public override Task<ProtoCard> ExtendCard(ExtendCardRequest request, ServerCallContext context) => accounts.ExtendAsync(request, context.CancellationToken);

    public override Task<CardSnapshot> GetCardSnapshot(GetCardSnapshotRequest request, ServerCallContext context) => accounts.SnapshotAsync(request, context.CancellationToken);

    public override Task<ListCardHistoryResponse> ListCardHistory(ListCardHistoryRequest request, ServerCallContext context) => accounts.HistoryAsync(null, request, context.CancellationToken);

    public override Task<TransactionResult> GrantPoints(GrantPointsRequest request, ServerCallContext context) => accounts.GrantAsync(request, context.CancellationToken);

    public override Task<CardSnapshot> AssignTier(AssignTierRequest request, ServerCallContext context) => accounts.AssignTierAsync(request, context.CancellationToken);

    public override Task<CardSnapshot> SetCardMode(SetCardModeRequest request, ServerCallContext context) => accounts.SetModeAsync(request, context.CancellationToken);

    public override async Task<ProtoProgram> LoadProgram(LoadProgramRequest request, ServerCallContext context)
    {
        RequestValidator.Text("definition_json", request.DefinitionJson, 1_000_000, required: true);
        var (record, _) = await programs.LoadAsync(request.DefinitionJson, "definition_json", request.Activate, context.CancellationToken).ConfigureAwait(false);
        feed.NotifyCommitted();
        return ProgramCatalog.ToProto(record);
    }

    public override Task<ListProgramsResponse> ListPrograms(ListProgramsRequest request, ServerCallContext context) => shared.ListProgramsAsync(request.IncludeInactive, context.CancellationToken);

    public override async Task<ProtoProgram> ActivateProgram(ActivateProgramRequest request, ServerCallContext context)
    {
        RequestValidator.Id("program_id", request.ProgramId);
        RequestValidator.Text("version", request.Version, 64, required: true);
        var record = await programs.ActivateAsync(request.ProgramId, request.Version, context.CancellationToken).ConfigureAwait(false);
        feed.NotifyCommitted();
        return ProgramCatalog.ToProto(record);
    }

    public override Task<ListRewardsResponse> ListRewards(ListRewardsRequest request, ServerCallContext context) => shared.ListRewardsAsync(request, context.CancellationToken);

    public override async Task<CreateTerminalResponse> CreateTerminal(CreateTerminalRequest request, ServerCallContext context)
    {
        RequestValidator.Id("terminal_id", request.TerminalId);
        RequestValidator.Id("store_id", request.StoreId);
        RequestValidator.Text("description", request.Description, 200);
        var chain = OptionalChain(request.ChainId);
        var (record, token) = await credentials.CreateAsync(CredentialRole.Terminal, request.TerminalId, request.StoreId, request.Description, context.CancellationToken, Scope(request.Scope) ?? CredentialScope.Store, chain).ConfigureAwait(false);
        return new CreateTerminalResponse { Terminal = CentralEndpoints.TerminalInfo(record), Token = token };
    }

    public override async Task<TerminalInfo> UpdateTerminal(UpdateTerminalRequest request, ServerCallContext context)
    {
        RequestValidator.Id("terminal_id", request.TerminalId);
        var chain = OptionalChain(request.ChainId);
        var scope = Scope(request.Scope);
        if (scope is null && chain is null)
        {
            throw new RequestValidationException("scope", "nothing to change: give a scope (store or chain) and/or a chain_id");
        }

        return CentralEndpoints.TerminalInfo(await credentials.UpdateTerminalAsync(request.TerminalId, scope, chain, context.CancellationToken).ConfigureAwait(false));
    }

    private static string? OptionalChain(string chainId)
    {
        if (chainId.Length == 0)
        {
            return null;
        }

        RequestValidator.Id("chain_id", chainId);
        return chainId;
    }

    private static CredentialScope? Scope(TerminalScope scope) => scope switch
    {
        TerminalScope.Unspecified => null,
        TerminalScope.Store => CredentialScope.Store,
        TerminalScope.Chain => CredentialScope.Chain,
        _ => throw new RequestValidationException("scope", $"unknown value {(int)scope}: expected TERMINAL_SCOPE_STORE or TERMINAL_SCOPE_CHAIN"),
    };

    public override async Task<ListTerminalsResponse> ListTerminals(ListTerminalsRequest request, ServerCallContext context)
    {
        var response = new ListTerminalsResponse();
        var all = await credentials.ListAsync(CredentialRole.Terminal, context.CancellationToken).ConfigureAwait(false);
        response.Terminals.AddRange(all.Where(t => request.IncludeRevoked || t.RevokedAt is null).Select(CentralEndpoints.TerminalInfo));
        return response;
    }

    public override async Task<TerminalInfo> RevokeTerminal(RevokeTerminalRequest request, ServerCallContext context)
    {
        RequestValidator.Id("terminal_id", request.TerminalId);
        if (await credentials.RevokeAsync(CredentialRole.Terminal, request.TerminalId, context.CancellationToken).ConfigureAwait(false) == 0)
        {
            throw new NotFoundException($"terminal '{request.TerminalId}' has no active credential");
        }

        var all = await credentials.ListAsync(CredentialRole.Terminal, context.CancellationToken).ConfigureAwait(false);
        return CentralEndpoints.TerminalInfo(all.Last(t => t.TerminalId == request.TerminalId));
    }

    public override async Task<RunJobResponse> RunJob(RunJobRequest request, ServerCallContext context)
    {
        RequestValidator.Id("job", request.Job);
        var asOf = request.AsOf is null ? time.GetUtcNow() : validator.BusinessTime("as_of", request.AsOf);
        var response = new RunJobResponse();
        response.Runs.AddRange(await jobs.RunAsync(request.Job, asOf, context.CancellationToken).ConfigureAwait(false));
        return response;
    }

    public override Task<LiabilityReport> GetLiabilityReport(GetLiabilityReportRequest request, ServerCallContext context) =>
        reports.LiabilityAsync(request.AsOf is null ? time.GetUtcNow() : request.AsOf.ToDateTimeOffset(), context.CancellationToken);
}
