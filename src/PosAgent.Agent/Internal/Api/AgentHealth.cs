using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace PosAgent.Agent.Internal.Api;

/// <summary>
/// grpc.health.v1 statuses of the agent: the whole server ("") and each local API service are
/// SERVING once the store is open and the listeners are up, NOT_SERVING from the moment it stops
/// (so a Watch sees the agent go away before its socket does).
/// </summary>
internal static class AgentHealth
{
    private static readonly string[] Services = ["", "posagent.v1.Checks", "posagent.v1.Members", "posagent.v1.Terminal"];

    public static void MarkServing(HealthServiceImpl health) => Set(health, HealthCheckResponse.Types.ServingStatus.Serving);

    public static void MarkNotServing(HealthServiceImpl health) => Set(health, HealthCheckResponse.Types.ServingStatus.NotServing);

    private static void Set(HealthServiceImpl health, HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in Services)
        {
            health.SetStatus(service, status);
        }
    }
}
