using Grpc.Core;
using PosAgent.Central.Internal.Service;
using PosAgent.Contracts.Loyalty.V1;
using ProtoCard = PosAgent.Contracts.Loyalty.V1.Card;
using ProtoProgram = PosAgent.Contracts.Loyalty.V1.ProgramDefinition;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// posagent.loyalty.v1.LoyaltyTerminalService. Authentication, rate limits and the mapping of
/// refusals to statuses happen in <see cref="CallGuardInterceptor"/>, before and around these handlers.
/// </summary>
internal sealed class TerminalGrpcService(CentralEndpoints shared, CallGuard guard, LedgerService ledger, AccountService accounts, ChangeFeed feed)
    : LoyaltyTerminalService.LoyaltyTerminalServiceBase
{
    public override Task<SubmitTransactionsResponse> SubmitTransactions(SubmitTransactionsRequest request, ServerCallContext context)
    {
        var caller = CallGuard.CallerOf(context);
        guard.Limit(caller, request.Transactions.Count);
        return ledger.SubmitAsync(caller, request, context.CancellationToken);
    }

    public override Task<AuthorizeRedemptionResponse> AuthorizeRedemption(AuthorizeRedemptionRequest request, ServerCallContext context) =>
        accounts.AuthorizeAsync(CallGuard.CallerOf(context), request, context.CancellationToken);

    public override Task<ReleaseRedemptionResponse> ReleaseRedemption(ReleaseRedemptionRequest request, ServerCallContext context) =>
        accounts.ReleaseAsync(CallGuard.CallerOf(context), request, context.CancellationToken);

    public override Task<CardSnapshot> GetCardSnapshot(GetCardSnapshotRequest request, ServerCallContext context) =>
        accounts.SnapshotAsync(request, context.CancellationToken);

    public override Task<ListCardHistoryResponse> ListCardHistory(ListCardHistoryRequest request, ServerCallContext context) =>
        accounts.HistoryAsync(CallGuard.CallerOf(context), request, context.CancellationToken);

    public override Task<PullChangesResponse> PullChanges(PullChangesRequest request, ServerCallContext context) =>
        shared.PullAsync(request, context.CancellationToken);

    public override Task WatchChanges(WatchChangesRequest request, IServerStreamWriter<Change> responseStream, ServerCallContext context)
    {
        RequestValidator.Range("after_cursor", request.AfterCursor, 0, long.MaxValue);
        var ct = context.CancellationToken;
        return feed.WatchAsync(request.AfterCursor, change => responseStream.WriteAsync(change, ct), ct);
    }

    public override Task<ListProgramsResponse> ListPrograms(ListProgramsRequest request, ServerCallContext context) =>
        shared.ListProgramsAsync(false, context.CancellationToken);

    public override Task<ProtoProgram> GetProgram(GetProgramRequest request, ServerCallContext context) =>
        shared.GetProgramAsync(request, context.CancellationToken);

    public override Task<ListRewardsResponse> ListRewards(ListRewardsRequest request, ServerCallContext context) =>
        shared.ListRewardsAsync(request, context.CancellationToken);

    public override Task<RegisterMemberResponse> RegisterMember(RegisterMemberRequest request, ServerCallContext context) =>
        accounts.RegisterAsync(request, context.CancellationToken);

    public override Task<ProtoCard> IssueCard(IssueCardRequest request, ServerCallContext context) =>
        accounts.IssueCardAsync(request, context.CancellationToken);

    public override Task<ReplaceCardResponse> ReplaceCard(ReplaceCardRequest request, ServerCallContext context) =>
        accounts.ReplaceCardAsync(request, context.CancellationToken);
}
