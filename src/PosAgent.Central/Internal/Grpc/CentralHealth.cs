using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// grpc.health.v1 statuses of the central service: the server ("") and both APIs are SERVING once
/// the store is migrated and the listeners are up, NOT_SERVING from the moment it stops.
/// </summary>
internal static class CentralHealth
{
    private static readonly string[] Services = ["", "posagent.loyalty.v1.LoyaltyTerminalService", "posagent.loyalty.v1.LoyaltyAdminService"];

    public static void Track(HealthServiceImpl health, HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in Services)
        {
            health.SetStatus(service, status);
        }
    }
}
