namespace PosAgent.Central;

/// <summary>Metrics, traces and the HTTP health check of the central service (docs/operations.md, "Metrics and traces").</summary>
public sealed class CentralTelemetryOptions
{
    /// <summary>
    /// Serve Prometheus metrics at <c>/metrics</c> on the service's own listeners (HTTP/1.1 beside
    /// gRPC). Default true. Flag <c>--no-metrics</c> turns it off.
    /// </summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>
    /// OTLP collector (gRPC, e.g. <c>http://127.0.0.1:4317</c>) that receives metrics and traces.
    /// Default null: nothing is exported. Flag <c>--otlp-endpoint</c>.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How often metrics are pushed to <see cref="OtlpEndpoint"/> (at least 1 s). Default 60 s.</summary>
    public TimeSpan OtlpExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A terminal counts as active (posagent.central.terminals.active) for this long after its last
    /// authenticated call to this instance (1 minute..1 day). Default 15 minutes.
    /// </summary>
    public TimeSpan ActiveTerminalWindow { get; set; } = TimeSpan.FromMinutes(15);

    internal void Validate(List<string> problems)
    {
        if (OtlpEndpoint is { } otlp && (!otlp.IsAbsoluteUri || otlp.Scheme is not ("http" or "https")))
        {
            problems.Add($"Telemetry.OtlpEndpoint must be an http:// or https:// URL (was '{otlp}')");
        }

        if (OtlpExportInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add($"Telemetry.OtlpExportInterval must be at least 1 s (was {OtlpExportInterval})");
        }

        if (ActiveTerminalWindow < TimeSpan.FromMinutes(1) || ActiveTerminalWindow > TimeSpan.FromDays(1))
        {
            problems.Add($"Telemetry.ActiveTerminalWindow must be 1 minute..1 day (was {ActiveTerminalWindow})");
        }
    }
}
