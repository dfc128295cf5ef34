using Microsoft.Extensions.Logging;

namespace PosAgent.Rpc.Internal;

internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "gRPC call {Method} failed with an unhandled exception; the caller got INTERNAL.")]
    public static partial void UnhandledException(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "gRPC call {Method} ended by the caller ({Reason}).")]
    public static partial void CallAborted(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "gRPC call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailedWithStatus(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Health status of '{Service}' set to {Status}.")]
    public static partial void HealthStatusChanged(ILogger logger, string service, string status);
}
