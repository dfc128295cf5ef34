using System.Data.Common;
using System.Diagnostics;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Central.Internal.Service;

/// <summary>
/// Ingestion, measured (<see cref="CentralMetrics"/>) and traced (<see cref="CentralTracing"/>): a span
/// per batch, and a span per transaction whose terminal sent its commit's traceparent, parented
/// by that commit (and linked to the batch), so a sale's trace runs from the POS call to here.
/// </summary>
internal sealed partial class LedgerService
{
    public async Task<SubmitTransactionsResponse> SubmitAsync(Caller caller, SubmitTransactionsRequest request, CancellationToken cancellationToken)
    {
        using var activity = CentralTracing.Source.StartActivity("posagent.central.ingest batch");
        activity?.SetTag("posagent.terminal.id", caller.TerminalId);
        activity?.SetTag("posagent.batch.size", request.Transactions.Count);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        try
        {
            var response = await SubmitCoreAsync(caller, request, cancellationToken).ConfigureAwait(false);
            _metrics?.Batch(request, response, null, time.GetElapsedTime(started));
            TraceTransactions(activity, request, response, startedAt);
            return response;
        }
        catch (Exception ex)
        {
            var errorType = ErrorType(ex);
            activity?.SetStatus(ActivityStatusCode.Error, errorType);
            activity?.SetTag("error.type", errorType);
            _metrics?.Batch(request, null, errorType, time.GetElapsedTime(started));
            throw;
        }
    }

    private static string ErrorType(Exception ex) => ex switch
    {
        PosAgent.Sales.SaleValidationException => "InvalidArgument",
        PermissionDeniedException => "PermissionDenied",
        OperationCanceledException => "Cancelled",
        DbException => "Unavailable",
        _ => ex.GetType().Name,
    };

    private static void TraceTransactions(Activity? batch, SubmitTransactionsRequest request, SubmitTransactionsResponse response, DateTimeOffset startedAt)
    {
        if (!CentralTracing.Source.HasListeners())
        {
            return;
        }

        var current = Activity.Current;
        ActivityLink[]? links = batch is null ? null : [new ActivityLink(batch.Context)];
        for (var i = 0; i < request.Transactions.Count && i < response.Results.Count; i++)
        {
            var tx = request.Transactions[i];
            if (tx.TraceParent.Length == 0 || !ActivityContext.TryParse(tx.TraceParent, null, isRemote: true, out var commit))
            {
                continue;
            }

            using var applied = CentralTracing.Source.StartActivity(
                "posagent.central.apply " + CentralMetrics.Kind(tx), ActivityKind.Internal, commit, tags: null, links: links, startTime: startedAt);
            applied?.SetTag("posagent.transaction.id", tx.TransactionId);
            applied?.SetTag("posagent.transaction.outcome", CentralMetrics.Outcome(response.Results[i].Outcome));
        }

        Activity.Current = current;
    }
}
