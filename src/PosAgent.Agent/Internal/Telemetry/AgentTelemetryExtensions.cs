using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PosAgent.Agent.Internal.Telemetry;

/// <summary>The agent's Prometheus listener once bound (its port resolved when 0 was asked).</summary>
internal sealed class AgentMetricsEndpoint
{
    internal ListenOptions? Listener { get; set; }

    public int? Port => Listener?.IPEndPoint?.Port;

    /// <summary>"http://127.0.0.1:PORT/metrics", or null before the listener is bound.</summary>
    public string? Address => Port is { } port and > 0 ? $"http://127.0.0.1:{port}/metrics" : null;
}

/// <summary>
/// Registration of the agent's metrics and traces: <see cref="AddAgentTelemetry"/> on the services,
/// <see cref="MapAgentTelemetry"/> on the built application. With nothing enabled in
/// <see cref="AgentTelemetryOptions"/>, only the instruments are registered (no reader, no listener:
/// recording costs next to nothing).
/// </summary>
internal static class AgentTelemetryExtensions
{
    public static IServiceCollection AddAgentTelemetry(this IServiceCollection services, AgentTelemetryOptions options, string terminalId)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddMetrics();
        services.TryAddSingleton<AgentMetrics>();
        var endpoint = new AgentMetricsEndpoint();
        services.AddSingleton(endpoint);
        if (options.MetricsPort is { } port)
        {
            // Loopback only, HTTP/1.1 (what Prometheus speaks in clear): the numbers describe the
            // lane's business and are for the terminal's own collector, not the store's network.
            services.Configure<KestrelServerOptions>(k => k.Listen(IPAddress.Loopback, port, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                endpoint.Listener = l;
            }));
        }

        if (options.MetricsPort is null && options.OtlpEndpoint is null)
        {
            return services;
        }

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("posagent-agent", serviceInstanceId: terminalId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AgentMetrics.MeterName);
                // Only this host's meter: a process running several agents (the demo, tests) keeps their numbers apart.
                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, b) =>
                {
                    var own = sp.GetRequiredService<AgentMetrics>().Meter;
                    b.AddView(i => i.Meter.Name == AgentMetrics.MeterName && !ReferenceEquals(i.Meter, own) ? MetricStreamConfiguration.Drop : null);
                });
                if (options.MetricsPort is not null)
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
                .AddSource(AgentTracing.SourceName)
                .AddAspNetCoreInstrumentation()
                .AddGrpcClientInstrumentation()
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = traces;
                    o.Protocol = OtlpExportProtocol.Grpc;
                }));
        }

        return services;
    }

    /// <summary>Serves <c>/metrics</c> on the metrics listener only (never on the local API's socket or port).</summary>
    public static WebApplication MapAgentTelemetry(this WebApplication app, AgentTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MetricsPort is null)
        {
            return app;
        }

        var endpoint = app.Services.GetRequiredService<AgentMetricsEndpoint>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == "/metrics" && context.Connection.LocalPort == endpoint.Port,
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);
        return app;
    }
}
