using Microsoft.Extensions.Logging;

namespace PosAgent.Devices.Internal;

internal static partial class DeviceLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Device {Device} connected on {Path}")]
    public static partial void Connected(ILogger logger, string device, string path);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Device {Device} on {Path} lost: {Error}")]
    public static partial void Disconnected(ILogger logger, string device, string path, string error);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Device {Device} cannot be opened on {Path}: {Error}")]
    public static partial void OpenFailed(ILogger logger, string device, string path, string error);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Debug, Message = "Device {Device} still absent on {Path}: {Error}")]
    public static partial void StillAbsent(ILogger logger, string device, string path, string error);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Scanner {Device}: {Reason} {Detail}")]
    public static partial void ScanRejected(ILogger logger, string device, string reason, string detail);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Printer {Device} status {Status}")]
    public static partial void PrinterStatus(ILogger logger, string device, string status);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Printer {Device} job {JobId} {State}{Copy} {Reason}")]
    public static partial void Job(ILogger logger, string device, string jobId, string state, string copy, string? reason);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning, Message = "Printer {Device} did not answer a status request within {TimeoutMs} ms ({Garbage} unexpected bytes: switched off, stalled line, or wrong baud/framing?)")]
    public static partial void StatusUnanswered(ILogger logger, string device, double timeoutMs, int garbage);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Error, Message = "Device {Device}: an event handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string device);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Error, Message = "Device {Device}: unexpected failure, restarting the connection")]
    public static partial void Unexpected(ILogger logger, Exception exception, string device);
}
