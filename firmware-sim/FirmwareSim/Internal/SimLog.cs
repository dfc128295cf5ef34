using Microsoft.Extensions.Logging;

namespace FirmwareSim.Internal;

/// <summary>The simulator's log messages (stable event ids).</summary>
internal static partial class SimLog
{
    [LoggerMessage(1, LogLevel.Information, "{Device}: plugged in at {LinkPath} -> {SlavePath}")]
    public static partial void Plugged(ILogger logger, string device, string linkPath, string slavePath);

    [LoggerMessage(2, LogLevel.Information, "{Device}: unplugged ({LinkPath} removed)")]
    public static partial void Unplugged(ILogger logger, string device, string linkPath);

    [LoggerMessage(3, LogLevel.Information, "{Device}: scanned {Symbology} '{Code}' ({Bytes} bytes on the line)")]
    public static partial void Scanned(ILogger logger, string device, Symbology symbology, string code, int bytes);

    [LoggerMessage(4, LogLevel.Warning, "{Device}: client set {ClientBaud} baud, the device runs at {DeviceBaud}: the line carries garbage")]
    public static partial void BaudMismatch(ILogger logger, string device, int clientBaud, int deviceBaud);

    [LoggerMessage(5, LogLevel.Information, "{Device}: client baud now matches ({Baud})")]
    public static partial void BaudMatched(ILogger logger, string device, int baud);

    [LoggerMessage(6, LogLevel.Warning, "{Device}: ESC/POS at offset {Offset}: {Message}")]
    public static partial void EscPosDiagnostic(ILogger logger, string device, long offset, string message);

    [LoggerMessage(7, LogLevel.Information, "{Device}: receipt {Number} cut ({Cut}), {Lines} lines{Files}")]
    public static partial void ReceiptCut(ILogger logger, string device, int number, CutKind cut, int lines, string files);

    [LoggerMessage(8, LogLevel.Information, "{Device}: status now {Status}")]
    public static partial void StatusChanged(ILogger logger, string device, PrinterStatus status);

    [LoggerMessage(9, LogLevel.Information, "{Device}: drawer kick on pin {Pin}")]
    public static partial void DrawerKick(ILogger logger, string device, int pin);

    [LoggerMessage(10, LogLevel.Information, "{Device}: listening on TCP {Endpoint}")]
    public static partial void Listening(ILogger logger, string device, string endpoint);

    [LoggerMessage(11, LogLevel.Information, "{Device}: TCP client {Remote} connected")]
    public static partial void TcpConnected(ILogger logger, string device, string remote);

    [LoggerMessage(12, LogLevel.Information, "{Device}: TCP client {Remote} disconnected")]
    public static partial void TcpDisconnected(ILogger logger, string device, string remote);

    [LoggerMessage(13, LogLevel.Error, "{Device}: device loop failed")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string device);

    [LoggerMessage(14, LogLevel.Information, "{Device}: line {State}")]
    public static partial void LineState(ILogger logger, string device, string state);

    [LoggerMessage(15, LogLevel.Information, "{Device}: sent {Bytes} raw bytes ({Kind})")]
    public static partial void RawSent(ILogger logger, string device, int bytes, string kind);

    [LoggerMessage(16, LogLevel.Warning, "{Device}: could not write receipt files to {Directory}")]
    public static partial void ReceiptWriteFailed(ILogger logger, Exception exception, string device, string directory);
}
