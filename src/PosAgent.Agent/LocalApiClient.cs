using Google.Protobuf;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Rpc;

namespace PosAgent.Agent;

/// <summary>
/// A typed client of the agent's local API (for the demo, the CLI, tests and C# POS software),
/// over the Unix socket or loopback TCP. Errors arrive as <see cref="RpcException"/> with the
/// status code and the cashier-readable message.
/// </summary>
public sealed class LocalApiClient : IDisposable
{
    private readonly GrpcChannel _channel;

    private LocalApiClient(GrpcChannel channel) => _channel = channel;

    public static LocalApiClient ForUnixSocket(string socketPath, GrpcChannelOptions? options = null) => new(GrpcChannel.ForUnixSocket(socketPath, options));

    public static LocalApiClient ForAddress(string address, GrpcChannelOptions? options = null) => new(GrpcChannel.ForAddress(address, options));

    public Task<Check> OpenCheckAsync(OpenCheckRequest request, CancellationToken cancellationToken = default) => Call(Methods.OpenCheck, request, cancellationToken);

    public Task<Check> AddLineAsync(AddLineRequest request, CancellationToken cancellationToken = default) => Call(Methods.AddLine, request, cancellationToken);

    public Task<Check> RemoveLineAsync(RemoveLineRequest request, CancellationToken cancellationToken = default) => Call(Methods.RemoveLine, request, cancellationToken);

    public Task<Check> AttachCardAsync(AttachCardRequest request, CancellationToken cancellationToken = default) => Call(Methods.AttachCard, request, cancellationToken);

    public Task<Check> DetachCardAsync(DetachCardRequest request, CancellationToken cancellationToken = default) => Call(Methods.DetachCard, request, cancellationToken);

    public Task<Check> GetCheckAsync(GetCheckRequest request, CancellationToken cancellationToken = default) => Call(Methods.GetCheck, request, cancellationToken);

    public Task<QuoteResponse> QuoteAsync(QuoteRequest request, CancellationToken cancellationToken = default) => Call(Methods.Quote, request, cancellationToken);

    public Task<CommitResponse> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default) => Call(Methods.Commit, request, cancellationToken);

    public Task<Check> CancelCheckAsync(CancelCheckRequest request, CancellationToken cancellationToken = default) => Call(Methods.CancelCheck, request, cancellationToken);

    public Task<RefundResponse> RefundAsync(RefundRequest request, CancellationToken cancellationToken = default) => Call(Methods.Refund, request, cancellationToken);

    public Task<BalanceResponse> GetBalanceAsync(GetBalanceRequest request, CancellationToken cancellationToken = default) => Call(Methods.GetBalance, request, cancellationToken);

    public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken = default) => Call(Methods.RegisterMember, request, cancellationToken);

    public Task<CardResponse> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken = default) => Call(Methods.IssueCard, request, cancellationToken);

    public Task<CardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken = default) => Call(Methods.ReplaceCard, request, cancellationToken);

    public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken = default) => Call(Methods.ListRewards, request, cancellationToken);

    public Task<ExchangeRewardResponse> ExchangeRewardAsync(ExchangeRewardRequest request, CancellationToken cancellationToken = default) => Call(Methods.ExchangeReward, request, cancellationToken);

    public Task<StatusResponse> GetStatusAsync(CancellationToken cancellationToken = default) => Call(Methods.GetStatus, new GetStatusRequest(), cancellationToken);

    public Task<PrintReceiptResponse> PrintReceiptAsync(PrintReceiptRequest request, CancellationToken cancellationToken = default) => Call(Methods.PrintReceipt, request, cancellationToken);

    public Task<SyncNowResponse> SyncNowAsync(CancellationToken cancellationToken = default) => Call(Methods.SyncNow, new SyncNowRequest(), cancellationToken);

    public Task<PingResponse> PingAsync(CancellationToken cancellationToken = default) => Call(Methods.Ping, new PingRequest(), cancellationToken);

    /// <summary>The event feed until <paramref name="cancellationToken"/> is cancelled.</summary>
    public IAsyncEnumerable<AgentEvent> WatchEventsAsync(WatchEventsRequest request, CancellationToken cancellationToken = default) =>
        _channel.ServerStreamingAsync(Methods.WatchEvents, request, new CallOptions(cancellationToken: cancellationToken), cancellationToken);

    public void Dispose() => _channel.Dispose();

    private Task<TResponse> Call<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        _channel.UnaryAsync(method, request, new CallOptions(cancellationToken: cancellationToken));

    private static class Methods
    {
        public static readonly GrpcMethod<OpenCheckRequest, Check> OpenCheck = M<OpenCheckRequest, Check>("Checks", "OpenCheck");
        public static readonly GrpcMethod<AddLineRequest, Check> AddLine = M<AddLineRequest, Check>("Checks", "AddLine");
        public static readonly GrpcMethod<RemoveLineRequest, Check> RemoveLine = M<RemoveLineRequest, Check>("Checks", "RemoveLine");
        public static readonly GrpcMethod<AttachCardRequest, Check> AttachCard = M<AttachCardRequest, Check>("Checks", "AttachCard");
        public static readonly GrpcMethod<DetachCardRequest, Check> DetachCard = M<DetachCardRequest, Check>("Checks", "DetachCard");
        public static readonly GrpcMethod<GetCheckRequest, Check> GetCheck = M<GetCheckRequest, Check>("Checks", "GetCheck");
        public static readonly GrpcMethod<QuoteRequest, QuoteResponse> Quote = M<QuoteRequest, QuoteResponse>("Checks", "Quote");
        public static readonly GrpcMethod<CommitRequest, CommitResponse> Commit = M<CommitRequest, CommitResponse>("Checks", "Commit");
        public static readonly GrpcMethod<CancelCheckRequest, Check> CancelCheck = M<CancelCheckRequest, Check>("Checks", "CancelCheck");
        public static readonly GrpcMethod<RefundRequest, RefundResponse> Refund = M<RefundRequest, RefundResponse>("Checks", "Refund");
        public static readonly GrpcMethod<GetBalanceRequest, BalanceResponse> GetBalance = M<GetBalanceRequest, BalanceResponse>("Members", "GetBalance");
        public static readonly GrpcMethod<RegisterMemberRequest, RegisterMemberResponse> RegisterMember = M<RegisterMemberRequest, RegisterMemberResponse>("Members", "RegisterMember");
        public static readonly GrpcMethod<IssueCardRequest, CardResponse> IssueCard = M<IssueCardRequest, CardResponse>("Members", "IssueCard");
        public static readonly GrpcMethod<ReplaceCardRequest, CardResponse> ReplaceCard = M<ReplaceCardRequest, CardResponse>("Members", "ReplaceCard");
        public static readonly GrpcMethod<ListRewardsRequest, ListRewardsResponse> ListRewards = M<ListRewardsRequest, ListRewardsResponse>("Members", "ListRewards");
        public static readonly GrpcMethod<ExchangeRewardRequest, ExchangeRewardResponse> ExchangeReward = M<ExchangeRewardRequest, ExchangeRewardResponse>("Members", "ExchangeReward");
        public static readonly GrpcMethod<GetStatusRequest, StatusResponse> GetStatus = M<GetStatusRequest, StatusResponse>("Terminal", "GetStatus");
        public static readonly GrpcMethod<WatchEventsRequest, AgentEvent> WatchEvents = M<WatchEventsRequest, AgentEvent>("Terminal", "WatchEvents");
        public static readonly GrpcMethod<PrintReceiptRequest, PrintReceiptResponse> PrintReceipt = M<PrintReceiptRequest, PrintReceiptResponse>("Terminal", "PrintReceipt");
        public static readonly GrpcMethod<SyncNowRequest, SyncNowResponse> SyncNow = M<SyncNowRequest, SyncNowResponse>("Terminal", "SyncNow");
        public static readonly GrpcMethod<PingRequest, PingResponse> Ping = M<PingRequest, PingResponse>("Terminal", "Ping");

        private static GrpcMethod<TRequest, TResponse> M<TRequest, TResponse>(string service, string name)
            where TRequest : class, IMessage<TRequest>, new()
            where TResponse : class, IMessage<TResponse>, new() =>
            GrpcMethod.FromDescriptor<TRequest, TResponse>(AgentReflection.Descriptor.Services.Single(s => s.Name == service), name);
    }
}
