using Grpc.Core;
using PosAgent.Agent.Internal.Receipts;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Api;

/// <summary>posagent.v1.Terminal: status, the event feed, receipts and sync. Errors are mapped by <see cref="ApiErrorInterceptor"/>.</summary>
internal sealed class TerminalApi(StatusService status, EventHub events, ReceiptService receipts, Func<CancellationToken, Task<SyncNowResponse>> syncNow)
    : Contracts.PosAgent.V1.Terminal.TerminalBase
{
    public override Task<StatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context) => Task.FromResult(status.Get());

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<AgentEvent> responseStream, ServerCallContext context)
    {
        using var subscription = events.Subscribe(request.Kinds);
        var token = context.CancellationToken;
        try
        {
            while (await subscription.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (subscription.Reader.TryRead(out var agentEvent))
                {
                    await responseStream.WriteAsync(agentEvent, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The POS closed the stream.
        }
    }

    public override Task<PrintReceiptResponse> PrintReceipt(PrintReceiptRequest request, ServerCallContext context) => receipts.PrintAsync(request, context.CancellationToken);

    public override Task<SyncNowResponse> SyncNow(SyncNowRequest request, ServerCallContext context) => syncNow(context.CancellationToken);

    public override Task<PingResponse> Ping(PingRequest request, ServerCallContext context) => Task.FromResult(new PingResponse());
}
