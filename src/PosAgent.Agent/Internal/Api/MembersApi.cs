using Grpc.Core;
using PosAgent.Agent.Internal.Members;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Api;

/// <summary>posagent.v1.Members on the agent's member service. Errors are mapped by <see cref="ApiErrorInterceptor"/>.</summary>
internal sealed class MembersApi(MemberService members) : Contracts.PosAgent.V1.Members.MembersBase
{
    public override Task<BalanceResponse> GetBalance(GetBalanceRequest request, ServerCallContext context) => members.GetBalanceAsync(request, context.CancellationToken);

    public override Task<RegisterMemberResponse> RegisterMember(RegisterMemberRequest request, ServerCallContext context) => members.RegisterAsync(request, context.CancellationToken);

    public override Task<CardResponse> IssueCard(IssueCardRequest request, ServerCallContext context) => members.IssueCardAsync(request, context.CancellationToken);

    public override Task<CardResponse> ReplaceCard(ReplaceCardRequest request, ServerCallContext context) => members.ReplaceCardAsync(request, context.CancellationToken);

    public override Task<ListRewardsResponse> ListRewards(ListRewardsRequest request, ServerCallContext context) => members.ListRewardsAsync(request, context.CancellationToken);

    public override Task<ExchangeRewardResponse> ExchangeReward(ExchangeRewardRequest request, ServerCallContext context) => members.ExchangeRewardAsync(request, context.CancellationToken);
}
