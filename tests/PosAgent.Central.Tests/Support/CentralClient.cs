using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Central.Tests.Support;

/// <summary>grpc-dotnet's generated clients against the central service, with a bearer token.</summary>
public sealed class CentralClient(GrpcChannel channel, string? token)
{
    private readonly LoyaltyTerminalService.LoyaltyTerminalServiceClient _terminal = new(channel);
    private readonly LoyaltyAdminService.LoyaltyAdminServiceClient _admin = new(channel);

    public Task<SubmitTransactionsResponse> SubmitAsync(params TerminalTransaction[] txs)
    {
        var request = new SubmitTransactionsRequest();
        request.Transactions.AddRange(txs);
        return SubmitAsync(request);
    }

    public Task<SubmitTransactionsResponse> SubmitAsync(SubmitTransactionsRequest request) => _terminal.SubmitTransactionsAsync(request, Options()).ResponseAsync;

    public Task<CardSnapshot> SnapshotAsync(string card) => _terminal.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = card }, Options()).ResponseAsync;

    public Task<CardSnapshot> SnapshotAsync(string card, DateTimeOffset asOf) => _terminal.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = card, AsOf = Timestamp.FromDateTimeOffset(asOf) }, Options()).ResponseAsync;

    public Task<CardSnapshot> AdminSnapshotAsync(string card) => _admin.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = card }, Options()).ResponseAsync;

    public Task<ListCardHistoryResponse> HistoryAsync(string card, int pageSize = 0, string pageToken = "") =>
        _terminal.ListCardHistoryAsync(new ListCardHistoryRequest { CardNumber = card, PageSize = pageSize, PageToken = pageToken }, Options()).ResponseAsync;

    public Task<ListCardHistoryResponse> AdminHistoryAsync(string card, int pageSize = 0, string pageToken = "") =>
        _admin.ListCardHistoryAsync(new ListCardHistoryRequest { CardNumber = card, PageSize = pageSize, PageToken = pageToken }, Options()).ResponseAsync;

    public Task<AuthorizeRedemptionResponse> AuthorizeAsync(AuthorizeRedemptionRequest request) => _terminal.AuthorizeRedemptionAsync(request, Options()).ResponseAsync;

    public Task<ReleaseRedemptionResponse> ReleaseAsync(string authorizationId) => _terminal.ReleaseRedemptionAsync(new ReleaseRedemptionRequest { AuthorizationId = authorizationId }, Options()).ResponseAsync;

    public Task<TransactionResult> GrantAsync(string card, long points, string kind) =>
        _admin.GrantPointsAsync(new GrantPointsRequest { OperationId = "grant-" + Guid.NewGuid().ToString("N"), CardNumber = card, Kind = kind, Points = points, Reason = "test" }, Options()).ResponseAsync;

    public Task<PullChangesResponse> PullAsync(long after) => _terminal.PullChangesAsync(new PullChangesRequest { AfterCursor = after }, Options()).ResponseAsync;

    public AsyncServerStreamingCall<Change> Watching(long after, CancellationToken cancellationToken) =>
        _terminal.WatchChanges(new WatchChangesRequest { AfterCursor = after }, Options(cancellationToken, deadline: false));

    public Task<RegisterMemberResponse> RegisterAsync(RegisterMemberRequest request) => _terminal.RegisterMemberAsync(request, Options()).ResponseAsync;

    public Task<ReplaceCardResponse> ReplaceAsync(ReplaceCardRequest request) => _terminal.ReplaceCardAsync(request, Options()).ResponseAsync;

    public Task<ListProgramsResponse> ProgramsAsync() => _terminal.ListProgramsAsync(new ListProgramsRequest(), Options()).ResponseAsync;

    public Task<Card> BlockAsync(string card, string reason) => _admin.BlockCardAsync(new BlockCardRequest { CardNumber = card, Reason = reason }, Options()).ResponseAsync;

    public Task<RunJobResponse> RunJobAsync(string job, DateTimeOffset asOf) => _admin.RunJobAsync(new RunJobRequest { Job = job, AsOf = Timestamp.FromDateTimeOffset(asOf) }, Options()).ResponseAsync;

    public Task<LiabilityReport> LiabilityAsync(DateTimeOffset asOf) => _admin.GetLiabilityReportAsync(new GetLiabilityReportRequest { AsOf = Timestamp.FromDateTimeOffset(asOf) }, Options()).ResponseAsync;

    public Task<CreateTerminalResponse> CreateTerminalAsync(string terminal, string store) => _admin.CreateTerminalAsync(new CreateTerminalRequest { TerminalId = terminal, StoreId = store }, Options()).ResponseAsync;

    public Task<CreateTerminalResponse> CreateTerminalAsync(string terminal, string store, string chain, TerminalScope scope) =>
        _admin.CreateTerminalAsync(new CreateTerminalRequest { TerminalId = terminal, StoreId = store, ChainId = chain, Scope = scope }, Options()).ResponseAsync;

    public Task<TerminalInfo> UpdateTerminalAsync(string terminal, TerminalScope scope, string chain = "") =>
        _admin.UpdateTerminalAsync(new UpdateTerminalRequest { TerminalId = terminal, Scope = scope, ChainId = chain }, Options()).ResponseAsync;

    public Task<ListTerminalsResponse> ListTerminalsAsync() => _admin.ListTerminalsAsync(new ListTerminalsRequest(), Options()).ResponseAsync;

    public Task<TerminalInfo> RevokeTerminalAsync(string terminal) => _admin.RevokeTerminalAsync(new RevokeTerminalRequest { TerminalId = terminal }, Options()).ResponseAsync;

    private CallOptions Options(CancellationToken cancellationToken = default, bool deadline = true) => new(
        headers: token is null ? null : new Metadata { { "authorization", "Bearer " + token } },
        deadline: deadline ? DateTime.UtcNow.AddSeconds(30) : null,
        cancellationToken: cancellationToken);
}
