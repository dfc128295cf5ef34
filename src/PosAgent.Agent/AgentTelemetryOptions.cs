namespace PosAgent.Agent;

/// <summary>
/// Metrics and traces of the agent (docs/operations.md, "Metrics and traces"). Everything is off by
/// default: a terminal exposes nothing and sends nothing unless the operator asks for it.
/// </summary>
public sealed class AgentTelemetryOptions
{
    /// <summary>
    /// Loopback TCP port of the Prometheus scrape endpoint (<c>http://127.0.0.1:PORT/metrics</c>),
    /// HTTP/1.1, on 127.0.0.1 only; 0 picks a free port. Default null: no endpoint. Flag <c>--metrics-port</c>.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>
    /// OTLP collector (gRPC, e.g. <c>http://127.0.0.1:4317</c>) that receives the agent's metrics and
    /// traces. Default null: nothing is exported. Flag <c>--otlp-endpoint</c>.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How often metrics are pushed to <see cref="OtlpEndpoint"/> (at least 1 s). Default 60 s.</summary>
    public TimeSpan OtlpExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    internal void Validate(List<string> problems)
    {
        if (MetricsPort is { } port && port is < 0 or > 65535)
        {
            problems.Add($"telemetry.metricsPort: {port} is not a TCP port (0..65535; 0 picks a free one)");
        }

        if (OtlpEndpoint is { } otlp && (!otlp.IsAbsoluteUri || otlp.Scheme is not ("http" or "https")))
        {
            problems.Add($"telemetry.otlpEndpoint: '{otlp}' is not an http:// or https:// URL");
        }

        if (OtlpExportInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"telemetry.otlpExportInterval: {OtlpExportInterval} is shorter than 1 s");
        }
    }
}
