using Grpc.Core;
using PosAgent.Agent.Internal.Checks;
using PosAgent.Agent.Internal.Receipts;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Api;

/// <summary>posagent.v1.Checks on the agent's check sessions. Errors are mapped by <see cref="ApiErrorInterceptor"/>.</summary>
internal sealed class ChecksApi(CheckService checks, ReceiptService receipts) : Contracts.PosAgent.V1.Checks.ChecksBase
{
    public override Task<Check> OpenCheck(OpenCheckRequest request, ServerCallContext context) => Task.FromResult(checks.Open(request));

    public override Task<Check> AddLine(AddLineRequest request, ServerCallContext context) => Task.FromResult(checks.AddLine(request));

    public override Task<Check> RemoveLine(RemoveLineRequest request, ServerCallContext context) => Task.FromResult(checks.RemoveLine(request));

    public override Task<Check> AttachCard(AttachCardRequest request, ServerCallContext context) => checks.AttachCardAsync(request, "api", context.CancellationToken);

    public override Task<Check> DetachCard(DetachCardRequest request, ServerCallContext context) => Task.FromResult(checks.DetachCard(request));

    public override Task<Check> GetCheck(GetCheckRequest request, ServerCallContext context) => Task.FromResult(checks.Get(request));

    public override Task<QuoteResponse> Quote(QuoteRequest request, ServerCallContext context) => Task.FromResult(checks.Quote(request));

    public override async Task<CommitResponse> Commit(CommitRequest request, ServerCallContext context)
    {
        var response = await checks.CommitAsync(request, context.CancellationToken).ConfigureAwait(false);
        if (request.PrintReceipt)
        {
            response.PrintJobId = await PrintAfterCommitAsync(response.OperationId, context.CancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    public override Task<Check> CancelCheck(CancelCheckRequest request, ServerCallContext context) => Task.FromResult(checks.Cancel(request));

    public override async Task<RefundResponse> Refund(RefundRequest request, ServerCallContext context)
    {
        var response = checks.Refund(request);
        if (request.PrintReceipt)
        {
            response.PrintJobId = await PrintAfterCommitAsync(response.RefundOperationId, context.CancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    // The operation is already durable: a printing problem must not turn the commit into an error.
    private async Task<string> PrintAfterCommitAsync(string operationId, CancellationToken cancellationToken)
    {
        try
        {
            return (await receipts.PrintAsync(new PrintReceiptRequest { OperationId = operationId }, cancellationToken).ConfigureAwait(false)).JobId;
        }
        catch (Exception ex) when (ex is IOException or ApiError or InvalidOperationException)
        {
            return string.Empty;
        }
    }
}
