using System.Diagnostics;

namespace PosAgent.Agent.Internal.Telemetry;

/// <summary>
/// The agent's spans (ActivitySource <see cref="SourceName"/>). A commit's span is a child of the
/// POS call's server span; its W3C traceparent is written into the operation's transaction in the
/// outbox, so that the batch that later syncs it links to it and the central service applies it
/// under the same trace (TerminalTransaction.trace_parent). Spans cost nothing while no listener
/// samples them.
/// </summary>
internal static class AgentTracing
{
    public const string SourceName = "PosAgent.Agent";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C traceparent of a recorded activity, or "" (no listener, or not W3C).</summary>
    public static string TraceParentOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Recorded: true } ? activity.Id ?? string.Empty : string.Empty;

    /// <summary>Links to the commits whose traceparents are given (malformed or empty ones are skipped).</summary>
    public static List<ActivityLink> LinksTo(IEnumerable<string> traceParents)
    {
        var links = new List<ActivityLink>();
        foreach (var parent in traceParents)
        {
            if (parent.Length > 0 && ActivityContext.TryParse(parent, null, out var context))
            {
                links.Add(new ActivityLink(context));
            }
        }

        return links;
    }
}
