using PosAgent.Agent.Internal.Checks;
using PosAgent.Agent.Internal.Members;
using PosAgent.Agent.Internal.Receipts;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Rpc;

namespace PosAgent.Agent.Internal.Api;

/// <summary>
/// The local API's three services bound to the agent's services. <see cref="ApiError"/> becomes
/// INVALID_ARGUMENT / FAILED_PRECONDITION / NOT_FOUND / UNAVAILABLE with its message; anything
/// else is INTERNAL without details (the RPC layer logs it).
/// </summary>
internal sealed class LocalApi
{
    private readonly CheckService _checks;
    private readonly MemberService _members;
    private readonly ReceiptService _receipts;
    private readonly StatusService _status;
    private readonly EventHub _events;
    private readonly Func<CancellationToken, Task<SyncNowResponse>> _syncNow;

    public LocalApi(CheckService checks, MemberService members, ReceiptService receipts, StatusService status, EventHub events, Func<CancellationToken, Task<SyncNowResponse>> syncNow)
    {
        _checks = checks;
        _members = members;
        _receipts = receipts;
        _status = status;
        _events = events;
        _syncNow = syncNow;
    }

    public IReadOnlyList<GrpcServiceDefinition> Services()
    {
        var descriptor = AgentReflection.Descriptor;
        var checks = new GrpcServiceBuilder(descriptor.Services.Single(s => s.Name == "Checks"))
            .Unary<OpenCheckRequest, Check>("OpenCheck", (r, _) => Run(() => _checks.Open(r)))
            .Unary<AddLineRequest, Check>("AddLine", (r, _) => Run(() => _checks.AddLine(r)))
            .Unary<RemoveLineRequest, Check>("RemoveLine", (r, _) => Run(() => _checks.RemoveLine(r)))
            .Unary<AttachCardRequest, Check>("AttachCard", (r, c) => RunAsync(() => _checks.AttachCardAsync(r, "api", c.CancellationToken)))
            .Unary<DetachCardRequest, Check>("DetachCard", (r, _) => Run(() => _checks.DetachCard(r)))
            .Unary<GetCheckRequest, Check>("GetCheck", (r, _) => Run(() => _checks.Get(r)))
            .Unary<QuoteRequest, QuoteResponse>("Quote", (r, _) => Run(() => _checks.Quote(r)))
            .Unary<CommitRequest, CommitResponse>("Commit", (r, c) => RunAsync(() => CommitAsync(r, c.CancellationToken)))
            .Unary<CancelCheckRequest, Check>("CancelCheck", (r, _) => Run(() => _checks.Cancel(r)))
            .Unary<RefundRequest, RefundResponse>("Refund", (r, c) => RunAsync(() => RefundAsync(r, c.CancellationToken)))
            .Build();
        var members = new GrpcServiceBuilder(descriptor.Services.Single(s => s.Name == "Members"))
            .Unary<GetBalanceRequest, BalanceResponse>("GetBalance", (r, c) => RunAsync(() => _members.GetBalanceAsync(r, c.CancellationToken)))
            .Unary<RegisterMemberRequest, RegisterMemberResponse>("RegisterMember", (r, c) => RunAsync(() => _members.RegisterAsync(r, c.CancellationToken)))
            .Unary<IssueCardRequest, CardResponse>("IssueCard", (r, c) => RunAsync(() => _members.IssueCardAsync(r, c.CancellationToken)))
            .Unary<ReplaceCardRequest, CardResponse>("ReplaceCard", (r, c) => RunAsync(() => _members.ReplaceCardAsync(r, c.CancellationToken)))
            .Unary<ListRewardsRequest, ListRewardsResponse>("ListRewards", (r, c) => RunAsync(() => _members.ListRewardsAsync(r, c.CancellationToken)))
            .Unary<ExchangeRewardRequest, ExchangeRewardResponse>("ExchangeReward", (r, c) => RunAsync(() => _members.ExchangeRewardAsync(r, c.CancellationToken)))
            .Build();
        var terminal = new GrpcServiceBuilder(descriptor.Services.Single(s => s.Name == "Terminal"))
            .Unary<GetStatusRequest, StatusResponse>("GetStatus", (_, _) => Run(_status.Get))
            .ServerStreaming<WatchEventsRequest, AgentEvent>("WatchEvents", WatchEventsAsync)
            .Unary<PrintReceiptRequest, PrintReceiptResponse>("PrintReceipt", (r, c) => RunAsync(() => _receipts.PrintAsync(r, c.CancellationToken)))
            .Unary<SyncNowRequest, SyncNowResponse>("SyncNow", (_, c) => RunAsync(() => _syncNow(c.CancellationToken)))
            .Unary<PingRequest, PingResponse>("Ping", (_, _) => Task.FromResult(new PingResponse()))
            .Build();
        return [checks, members, terminal];
    }

    private async Task<CommitResponse> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        var response = await _checks.CommitAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.PrintReceipt)
        {
            response.PrintJobId = await PrintAfterCommitAsync(response.OperationId, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private async Task<RefundResponse> RefundAsync(RefundRequest request, CancellationToken cancellationToken)
    {
        var response = _checks.Refund(request);
        if (request.PrintReceipt)
        {
            response.PrintJobId = await PrintAfterCommitAsync(response.RefundOperationId, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    // The operation is already durable: a printing problem must not turn the commit into an error.
    private async Task<string> PrintAfterCommitAsync(string operationId, CancellationToken cancellationToken)
    {
        try
        {
            return (await _receipts.PrintAsync(new PrintReceiptRequest { OperationId = operationId }, cancellationToken).ConfigureAwait(false)).JobId;
        }
        catch (Exception ex) when (ex is IOException or ApiError or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private async Task WatchEventsAsync(WatchEventsRequest request, IServerStreamWriter<AgentEvent> stream, ServerCallContext context)
    {
        using var subscription = _events.Subscribe(request.Kinds);
        var token = context.CancellationToken;
        try
        {
            while (await subscription.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (subscription.Reader.TryRead(out var agentEvent))
                {
                    await stream.WriteAsync(agentEvent, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The POS closed the stream.
        }
    }

    private static Task<T> Run<T>(Func<T> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (ApiError error)
        {
            throw ToRpc(error);
        }
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (ApiError error)
        {
            throw ToRpc(error);
        }
    }

    public static RpcException ToRpc(ApiError error) => new(error.Code switch
    {
        ApiErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        ApiErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ApiErrorCode.NotFound => StatusCode.NotFound,
        ApiErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Unavailable,
    }, error.Message);
}
