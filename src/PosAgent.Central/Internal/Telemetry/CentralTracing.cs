using System.Diagnostics;

namespace PosAgent.Central.Internal.Telemetry;

/// <summary>
/// The central service's spans (ActivitySource <see cref="SourceName"/>): one per ingested batch,
/// a child of the call's server span (whose parent is the terminal's sync span, from the call's
/// traceparent metadata), and one per transaction that carries its commit's traceparent, a child
/// of that commit, so the terminal's commit and its application here are one trace.
/// </summary>
internal static class CentralTracing
{
    public const string SourceName = "PosAgent.Central";

    public static readonly ActivitySource Source = new(SourceName);
}
