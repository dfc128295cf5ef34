using PosAgent.Rpc.Health.V1;

namespace PosAgent.Rpc.Internal;

/// <summary>grpc.health.v1.Health over a <see cref="HealthStatusManager"/> (doc/health-checking.md).</summary>
internal static class HealthService
{
    public static GrpcServiceDefinition Create(HealthStatusManager manager) =>
        new GrpcServiceBuilder(HealthReflection.Descriptor.Services[0])
            .Unary<HealthCheckRequest, HealthCheckResponse>("Check", (request, _) =>
            {
                var status = manager.GetStatus(request.Service)
                    ?? throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
                return Task.FromResult(new HealthCheckResponse { Status = status });
            })
            .ServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", async (request, stream, context) =>
            {
                try
                {
                    await foreach (var status in manager.WatchAsync(request.Service, context.CancellationToken).ConfigureAwait(false))
                    {
                        await stream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
                {
                    // A watch ends when the caller stops watching.
                }
            })
            .Build();
}
