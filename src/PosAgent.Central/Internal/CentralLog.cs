using Microsoft.Extensions.Logging;

namespace PosAgent.Central.Internal;

/// <summary>The service's log messages (card numbers only ever masked).</summary>
internal static partial class CentralLog
{
    [LoggerMessage(1, LogLevel.Information, "Batch from terminal {TerminalId}: {Applied} applied, {Duplicates} duplicate, {Rejected} rejected")]
    public static partial void BatchApplied(ILogger logger, string terminalId, int applied, int duplicates, int rejected);

    [LoggerMessage(2, LogLevel.Information, "Transaction {TransactionId} on card {MaskedCard} rejected: {Code}")]
    public static partial void TransactionRejected(ILogger logger, string transactionId, string maskedCard, string code);

    [LoggerMessage(3, LogLevel.Information, "Card {MaskedCard}: {Operation}")]
    public static partial void CardOperation(ILogger logger, string maskedCard, string operation);

    [LoggerMessage(4, LogLevel.Information, "Program {ProgramId} version {Version} loaded from {Source} (active: {Active})")]
    public static partial void ProgramLoaded(ILogger logger, string programId, string version, string source, bool active);

    [LoggerMessage(5, LogLevel.Warning, "Program file {Source} not loaded: {Reason}")]
    public static partial void ProgramNotLoaded(ILogger logger, string source, string reason);

    [LoggerMessage(6, LogLevel.Information, "Job {Job} period {Period}: {Accounts} accounts, {Points} points")]
    public static partial void JobRan(ILogger logger, string job, string period, long accounts, long points);

    [LoggerMessage(7, LogLevel.Warning, "Job {Job} skipped account {AccountId}: {Reason}")]
    public static partial void JobSkippedAccount(ILogger logger, string job, string accountId, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Call {Method} refused: {Reason}")]
    public static partial void CallRefused(ILogger logger, string method, string reason);

    [LoggerMessage(9, LogLevel.Error, "Job scheduler run failed")]
    public static partial void SchedulerFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "Central service listening on {Urls} (store: {Store}, schema version {Schema})")]
    public static partial void Listening(ILogger logger, string urls, string store, int schema);

    [LoggerMessage(11, LogLevel.Warning, "Peer {Peer} used its allowance of failed authentications; its further failures are refused and summarized")]
    public static partial void PeerOverAllowance(ILogger logger, string peer);

    [LoggerMessage(12, LogLevel.Warning, "Refused {Count} calls without a valid credential from {Peers} peer(s) over their allowance in the last {Interval} (most from {TopPeer}: {TopCount})")]
    public static partial void UnauthenticatedRefusedSummary(ILogger logger, long count, int peers, TimeSpan interval, string topPeer, long topCount);

    [LoggerMessage(13, LogLevel.Error, "Store unreachable, health NOT_SERVING: {Reason}")]
    public static partial void StoreUnreachable(ILogger logger, string reason);

    [LoggerMessage(14, LogLevel.Information, "Store reachable, health SERVING")]
    public static partial void StoreReachable(ILogger logger);

    [LoggerMessage(15, LogLevel.Debug, "Redemption on card {Card} authorized: {Points} points held for {AuthorizationId}")]
    public static partial void RedemptionHeld(ILogger logger, string card, string authorizationId, long points);

    [LoggerMessage(16, LogLevel.Information, "Deleted {Count} expired redemption holds")]
    public static partial void HoldsSwept(ILogger logger, int count);

    [LoggerMessage(17, LogLevel.Error, "Sweeping expired redemption holds failed")]
    public static partial void HoldSweepFailed(ILogger logger, Exception exception);
}
