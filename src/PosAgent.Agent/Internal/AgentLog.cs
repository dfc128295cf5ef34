using Microsoft.Extensions.Logging;

namespace PosAgent.Agent.Internal;

/// <summary>The agent's log messages (stable event ids; card numbers only ever masked).</summary>
internal static partial class AgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Agent {TerminalId} listening on {Endpoints}; database {Database}")]
    public static partial void Started(ILogger logger, string terminalId, string endpoints, string database);

    [LoggerMessage(2, LogLevel.Information, "Agent stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "The open-checks database could not be read and was moved to {MovedTo}; the agent starts with no open checks (sales are not in it)")]
    public static partial void OpenChecksMovedAside(ILogger logger, string movedTo);

    [LoggerMessage(10, LogLevel.Warning, "Central service unreachable: offline mode for {BreakDuration} before a probe ({Error})")]
    public static partial void CircuitOpened(ILogger logger, TimeSpan breakDuration, string error);

    [LoggerMessage(11, LogLevel.Information, "Probing the central service")]
    public static partial void CircuitHalfOpened(ILogger logger);

    [LoggerMessage(12, LogLevel.Information, "Central service reachable again: online")]
    public static partial void CircuitClosed(ILogger logger);

    [LoggerMessage(13, LogLevel.Debug, "Retry {Attempt} in {Delay} after {Error}")]
    public static partial void Retrying(ILogger logger, int attempt, TimeSpan delay, string error);

    [LoggerMessage(20, LogLevel.Information, "Committed {Kind} {OperationId} card {MaskedCard} offline={Offline}")]
    public static partial void Committed(ILogger logger, string kind, string operationId, string maskedCard, bool offline);

    [LoggerMessage(21, LogLevel.Debug, "Synced {Count} operations")]
    public static partial void Synced(ILogger logger, int count);

    [LoggerMessage(22, LogLevel.Warning, "Operation {OperationId} ({Kind}) parked: {Error}")]
    public static partial void Parked(ILogger logger, string operationId, string kind, string error);

    [LoggerMessage(23, LogLevel.Warning, "Correction for {OperationId} card {MaskedCard}: earned {Estimated}->{Actual}, spent {EstimatedSpent}->{ActualSpent}")]
    public static partial void Correction(ILogger logger, string operationId, string maskedCard, long estimated, long actual, long estimatedSpent, long actualSpent);

    [LoggerMessage(24, LogLevel.Error, "The central service refused this terminal's credentials ({Error}); retrying in {Delay}")]
    public static partial void CredentialsRefused(ILogger logger, string error, TimeSpan delay);

    [LoggerMessage(25, LogLevel.Warning, "Sync pass failed: {Error}")]
    public static partial void SyncFailed(ILogger logger, string error);

    [LoggerMessage(30, LogLevel.Warning, "Cache refresh failed: {Error}")]
    public static partial void RefreshFailed(ILogger logger, string error);

    [LoggerMessage(31, LogLevel.Information, "Program {ProgramId} version {Version} loaded from {Source}")]
    public static partial void ProgramLoaded(ILogger logger, string programId, string version, string source);

    [LoggerMessage(32, LogLevel.Warning, "Program from {Source} not loaded: {Error}")]
    public static partial void ProgramRejected(ILogger logger, string source, string error);

    [LoggerMessage(40, LogLevel.Information, "Device {Device}: {State} {Detail}")]
    public static partial void DeviceState(ILogger logger, string device, string state, string detail);

    [LoggerMessage(41, LogLevel.Warning, "Printing {JobId} failed: {Error}")]
    public static partial void PrintFailed(ILogger logger, string jobId, string error);

    [LoggerMessage(50, LogLevel.Error, "Unexpected error in {Component}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string component);

    [LoggerMessage(51, LogLevel.Warning, "Sync pass still failing: {Error} ({Repeats} more failed passes since the last line; the last error is shown)")]
    public static partial void SyncStillFailing(ILogger logger, string error, long repeats);

    [LoggerMessage(52, LogLevel.Information, "Sync recovered after {FailedPasses} failed passes")]
    public static partial void SyncRecovered(ILogger logger, long failedPasses);

    [LoggerMessage(60, LogLevel.Error, "The agent database cannot be written ({Error}): sales are refused and health is NOT_SERVING until a write commits again (probing every {Interval})")]
    public static partial void StoreFailing(ILogger logger, string error, TimeSpan interval);

    [LoggerMessage(61, LogLevel.Information, "The agent database takes writes again after {Duration}: health is SERVING")]
    public static partial void StoreRecovered(ILogger logger, TimeSpan duration);
}
