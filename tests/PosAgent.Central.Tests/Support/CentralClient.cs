using Google.Protobuf.WellKnownTypes;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rpc;

namespace PosAgent.Central.Tests.Support;

/// <summary>The project's gRPC client against the central service, with a bearer token.</summary>
public sealed class CentralClient(GrpcChannel channel, string? token)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor TerminalService = TerminalReflection.Descriptor.Services[0];
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor AdminService = AdminReflection.Descriptor.Services[0];
    private static readonly GrpcMethod<SubmitTransactionsRequest, SubmitTransactionsResponse> Submit = GrpcMethod.FromDescriptor<SubmitTransactionsRequest, SubmitTransactionsResponse>(TerminalService, "SubmitTransactions");
    private static readonly GrpcMethod<GetCardSnapshotRequest, CardSnapshot> Snapshot = GrpcMethod.FromDescriptor<GetCardSnapshotRequest, CardSnapshot>(TerminalService, "GetCardSnapshot");
    private static readonly GrpcMethod<AuthorizeRedemptionRequest, AuthorizeRedemptionResponse> Authorize = GrpcMethod.FromDescriptor<AuthorizeRedemptionRequest, AuthorizeRedemptionResponse>(TerminalService, "AuthorizeRedemption");
    private static readonly GrpcMethod<PullChangesRequest, PullChangesResponse> Pull = GrpcMethod.FromDescriptor<PullChangesRequest, PullChangesResponse>(TerminalService, "PullChanges");
    private static readonly GrpcMethod<WatchChangesRequest, Change> Watch = GrpcMethod.FromDescriptor<WatchChangesRequest, Change>(TerminalService, "WatchChanges");
    private static readonly GrpcMethod<RegisterMemberRequest, RegisterMemberResponse> Register = GrpcMethod.FromDescriptor<RegisterMemberRequest, RegisterMemberResponse>(TerminalService, "RegisterMember");
    private static readonly GrpcMethod<ReplaceCardRequest, ReplaceCardResponse> Replace = GrpcMethod.FromDescriptor<ReplaceCardRequest, ReplaceCardResponse>(TerminalService, "ReplaceCard");
    private static readonly GrpcMethod<ListProgramsRequest, ListProgramsResponse> Programs = GrpcMethod.FromDescriptor<ListProgramsRequest, ListProgramsResponse>(TerminalService, "ListPrograms");
    private static readonly GrpcMethod<BlockCardRequest, Card> Block = GrpcMethod.FromDescriptor<BlockCardRequest, Card>(AdminService, "BlockCard");
    private static readonly GrpcMethod<RunJobRequest, RunJobResponse> Job = GrpcMethod.FromDescriptor<RunJobRequest, RunJobResponse>(AdminService, "RunJob");
    private static readonly GrpcMethod<GetLiabilityReportRequest, LiabilityReport> Liability = GrpcMethod.FromDescriptor<GetLiabilityReportRequest, LiabilityReport>(AdminService, "GetLiabilityReport");
    private static readonly GrpcMethod<CreateTerminalRequest, CreateTerminalResponse> CreateTerminal = GrpcMethod.FromDescriptor<CreateTerminalRequest, CreateTerminalResponse>(AdminService, "CreateTerminal");
    private static readonly GrpcMethod<RevokeTerminalRequest, TerminalInfo> RevokeTerminal = GrpcMethod.FromDescriptor<RevokeTerminalRequest, TerminalInfo>(AdminService, "RevokeTerminal");

    public Task<SubmitTransactionsResponse> SubmitAsync(params TerminalTransaction[] txs)
    {
        var request = new SubmitTransactionsRequest();
        request.Transactions.AddRange(txs);
        return channel.UnaryAsync(Submit, request, Options());
    }

    public Task<SubmitTransactionsResponse> SubmitAsync(SubmitTransactionsRequest request) => channel.UnaryAsync(Submit, request, Options());

    public Task<CardSnapshot> SnapshotAsync(string card) => channel.UnaryAsync(Snapshot, new GetCardSnapshotRequest { CardNumber = card }, Options());

    public Task<AuthorizeRedemptionResponse> AuthorizeAsync(AuthorizeRedemptionRequest request) => channel.UnaryAsync(Authorize, request, Options());

    public Task<PullChangesResponse> PullAsync(long after) => channel.UnaryAsync(Pull, new PullChangesRequest { AfterCursor = after }, Options());

    public ServerStreamingCall<Change> Watching(long after, CancellationToken cancellationToken) =>
        channel.ServerStreaming(Watch, new WatchChangesRequest { AfterCursor = after }, Options() with { CancellationToken = cancellationToken });

    public Task<RegisterMemberResponse> RegisterAsync(RegisterMemberRequest request) => channel.UnaryAsync(Register, request, Options());

    public Task<ReplaceCardResponse> ReplaceAsync(ReplaceCardRequest request) => channel.UnaryAsync(Replace, request, Options());

    public Task<ListProgramsResponse> ProgramsAsync() => channel.UnaryAsync(Programs, new ListProgramsRequest(), Options());

    public Task<Card> BlockAsync(string card, string reason) => channel.UnaryAsync(Block, new BlockCardRequest { CardNumber = card, Reason = reason }, Options());

    public Task<RunJobResponse> RunJobAsync(string job, DateTimeOffset asOf) => channel.UnaryAsync(Job, new RunJobRequest { Job = job, AsOf = Timestamp.FromDateTimeOffset(asOf) }, Options());

    public Task<LiabilityReport> LiabilityAsync(DateTimeOffset asOf) => channel.UnaryAsync(Liability, new GetLiabilityReportRequest { AsOf = Timestamp.FromDateTimeOffset(asOf) }, Options());

    public Task<CreateTerminalResponse> CreateTerminalAsync(string terminal, string store) => channel.UnaryAsync(CreateTerminal, new CreateTerminalRequest { TerminalId = terminal, StoreId = store }, Options());

    public Task<TerminalInfo> RevokeTerminalAsync(string terminal) => channel.UnaryAsync(RevokeTerminal, new RevokeTerminalRequest { TerminalId = terminal }, Options());

    private CallOptions Options() => new()
    {
        Headers = token is null ? null : new Metadata { { "authorization", "Bearer " + token } },
        Timeout = TimeSpan.FromSeconds(30),
    };
}
