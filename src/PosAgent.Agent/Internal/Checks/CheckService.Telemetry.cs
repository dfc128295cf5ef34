using System.Diagnostics;
using System.Runtime.CompilerServices;
using PosAgent.Agent.Internal.Telemetry;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Checks;

/// <summary>
/// The checkout's entry points, measured (<see cref="AgentMetrics"/>) and traced (<see cref="AgentTracing"/>):
/// each commit, refund and quote is one span, a count and a latency, refusals counted with their error.type.
/// </summary>
internal sealed partial class CheckService
{
    public async Task<CommitResponse> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        using var activity = AgentTracing.Source.StartActivity("posagent.agent.commit sale");
        activity?.SetTag("posagent.check.id", request.CheckId);
        var started = _time.GetTimestamp();
        var offline = new StrongBox<bool>();
        try
        {
            var response = await CommitCoreAsync(request, offline, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("posagent.operation.id", response.OperationId);
            activity?.SetTag("posagent.offline", offline.Value);
            _metrics?.Commit("sale", offline.Value, null, _time.GetElapsedTime(started));
            return response;
        }
        catch (Exception ex)
        {
            Failed(activity, ex, "sale", started);
            throw;
        }
    }

    public RefundResponse Refund(RefundRequest request)
    {
        using var activity = AgentTracing.Source.StartActivity("posagent.agent.commit refund");
        var started = _time.GetTimestamp();
        var offline = new StrongBox<bool>();
        try
        {
            var response = RefundCore(request, offline);
            activity?.SetTag("posagent.operation.id", response.RefundOperationId);
            activity?.SetTag("posagent.offline", offline.Value);
            _metrics?.Commit("refund", offline.Value, null, _time.GetElapsedTime(started));
            return response;
        }
        catch (Exception ex)
        {
            Failed(activity, ex, "refund", started);
            throw;
        }
    }

    public QuoteResponse Quote(QuoteRequest request)
    {
        using var activity = AgentTracing.Source.StartActivity("posagent.agent.quote");
        var started = _time.GetTimestamp();
        try
        {
            var response = QuoteCore(request);
            _metrics?.Quote(null, _time.GetElapsedTime(started));
            return response;
        }
        catch (Exception ex)
        {
            var errorType = AgentMetrics.ErrorType(ex);
            activity?.SetStatus(ActivityStatusCode.Error, errorType);
            activity?.SetTag("error.type", errorType);
            _metrics?.Quote(errorType, _time.GetElapsedTime(started));
            throw;
        }
    }

    private void Failed(Activity? activity, Exception ex, string kind, long started)
    {
        var errorType = AgentMetrics.ErrorType(ex);
        activity?.SetStatus(ActivityStatusCode.Error, errorType);
        activity?.SetTag("error.type", errorType);
        _metrics?.Commit(kind, false, errorType, _time.GetElapsedTime(started));
    }
}
