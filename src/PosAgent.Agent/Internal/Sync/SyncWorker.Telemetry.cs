using System.Diagnostics;
using Grpc.Core;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PosAgent.Agent.Internal.Telemetry;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Sync;

/// <summary>
/// Each batch sent is one span, linked to the commit span of every operation in it (their
/// traceparents travel in the outbox, inside each transaction), and one count and latency by
/// gRPC status (<see cref="AgentMetrics"/>). The span is the current activity during the call, so
/// the channel carries its traceparent to the central service in the call's metadata.
/// </summary>
internal sealed partial class SyncWorker
{
    private BatchTelemetry StartBatch(Loyalty.SubmitTransactionsRequest request)
    {
        var activity = AgentTracing.Source.HasListeners()
            ? AgentTracing.Source.StartActivity("posagent.agent.sync batch", ActivityKind.Internal, default(ActivityContext), links: AgentTracing.LinksTo(request.Transactions.Select(t => t.TraceParent)))
            : null;
        activity?.SetTag("posagent.batch.size", request.Transactions.Count);
        return new BatchTelemetry(this, activity, _time.GetTimestamp());
    }

    /// <summary>The span and start of one batch's call; <see cref="Ended"/> records it once.</summary>
    private sealed class BatchTelemetry(SyncWorker worker, Activity? activity, long started)
    {
        private bool _ended;

        /// <summary>Records the call's end (null: answered). Returns false, so it can sit in an exception filter.</summary>
        public bool Ended(Exception? failure)
        {
            if (_ended)
            {
                return false;
            }

            _ended = true;
            var (status, errorType) = failure switch
            {
                null => ((StatusCode?)StatusCode.OK, (string?)null),
                RpcException rpc => (rpc.StatusCode, rpc.StatusCode.ToString()),
                BrokenCircuitException => (null, "circuit_open"),
                TimeoutRejectedException => (null, "timeout"),
                OperationCanceledException => (null, "cancelled"),
                _ => (null, failure.GetType().Name),
            };
            if (activity is not null)
            {
                if (status is { } code)
                {
                    activity.SetTag("rpc.grpc.status_code", (int)code);
                }

                if (errorType is not null)
                {
                    activity.SetTag("error.type", errorType);
                    activity.SetStatus(ActivityStatusCode.Error, errorType);
                }

                activity.Dispose();
            }

            worker._metrics?.SyncBatch(status, errorType, worker._time.GetElapsedTime(started));
            return false;
        }
    }
}
