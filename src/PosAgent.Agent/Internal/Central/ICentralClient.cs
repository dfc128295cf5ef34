using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Central;

/// <summary>
/// The calls the agent makes to the central service's terminal API. One implementation talks
/// gRPC (<see cref="GrpcCentralClient"/>); the interface exists so the resilience policies can be
/// tested against scripted failures that a real server cannot produce on demand.
/// </summary>
internal interface ICentralClient
{
    Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken);

    Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken);

    Task<ReleaseRedemptionResponse> ReleaseRedemptionAsync(ReleaseRedemptionRequest request, CancellationToken cancellationToken);

    Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken);

    Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken);

    Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken);

    Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken);

    Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken);

    Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken);

    Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken);
}
