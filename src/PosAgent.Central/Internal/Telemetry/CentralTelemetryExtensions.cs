using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PosAgent.Central.Internal.Grpc;

namespace PosAgent.Central.Internal.Telemetry;

/// <summary>
/// Registration of the central service's metrics, traces and HTTP health check:
/// <see cref="AddCentralTelemetry"/> on the services, <see cref="MapCentralTelemetry"/> on the
/// built application (<c>/metrics</c> when enabled, <c>/healthz</c> always).
/// </summary>
internal static class CentralTelemetryExtensions
{
    public const string HealthPath = "/healthz";
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddCentralTelemetry(this IServiceCollection services, CentralTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddMetrics();
        services.TryAddSingleton(sp => new CentralMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<TimeProvider>(), options.ActiveTerminalWindow));
        if (!options.PrometheusEnabled && options.OtlpEndpoint is null)
        {
            return services;
        }

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("posagent-central"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CentralMetrics.MeterName);
                // Only this host's meter: a process running several services (tests) keeps their numbers apart.
                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, b) =>
                {
                    var own = sp.GetRequiredService<CentralMetrics>().Meter;
                    b.AddView(i => i.Meter.Name == CentralMetrics.MeterName && !ReferenceEquals(i.Meter, own) ? MetricStreamConfiguration.Drop : null);
                });
                if (options.PrometheusEnabled)
                {
                    // No response cache: a scrape sees every measurement made before it.
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (options.OtlpEndpoint is { } otlp)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = otlp;
                        exporter.Protocol = OtlpExportProtocol.Grpc;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.OtlpExportInterval.TotalMilliseconds;
                    });
                }
            });
        if (options.OtlpEndpoint is { } traces)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(CentralTracing.SourceName)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = traces;
                    o.Protocol = OtlpExportProtocol.Grpc;
                }));
        }

        return services;
    }

    /// <summary>
    /// <c>/healthz</c>: 200 "serving" while the store answers its probes (the state the gRPC health
    /// service reports), 503 with the reason otherwise; <c>/metrics</c> when Prometheus is enabled.
    /// </summary>
    public static IEndpointRouteBuilder MapCentralTelemetry(this IEndpointRouteBuilder endpoints, CentralTelemetryOptions options, Func<CentralHealth> health)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        endpoints.MapGet(HealthPath, () =>
        {
            var (serving, reason) = health().State;
            return serving
                ? Results.Text("serving\n", "text/plain")
                : Results.Text($"not serving: {reason}\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        if (options.PrometheusEnabled)
        {
            endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        }

        return endpoints;
    }
}
