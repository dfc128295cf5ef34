using Microsoft.Extensions.Logging;

namespace PosAgent.Agent.Internal.Sync;

/// <summary>
/// Keeps a failing sync loop from flooding the log: offline under load the worker fails a pass
/// many times a second, and one line per pass (2,514 lines in 90 s when measured) buries
/// everything else. A change of state is logged at once (the first failure, the central refusing
/// the terminal's credentials, the first pass that gets through again); while the state holds,
/// failures are counted and summarized once per interval with the latest error. "Unavailable"
/// and "circuit open" alternate while offline (each half-open probe fails anew), so they are one
/// state, not two.
/// </summary>
internal sealed class FailureLogThrottle
{
    private readonly TimeSpan _summaryInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private string? _state;
    private string _lastError = string.Empty;
    private long _repeatsSinceLastLine;
    private long _failedPasses;
    private DateTimeOffset _nextSummaryAt;

    public FailureLogThrottle(TimeSpan summaryInterval, TimeProvider time, ILogger logger)
    {
        _summaryInterval = summaryInterval;
        _time = time;
        _logger = logger;
    }

    public void Failed(string error)
    {
        var now = _time.GetUtcNow();
        var state = error.StartsWith("credentials", StringComparison.Ordinal) ? "credentials" : "failing";
        _failedPasses++;
        if (!string.Equals(state, _state, StringComparison.Ordinal))
        {
            FlushRepeats();
            AgentLog.SyncFailed(_logger, error);
            _state = state;
            _lastError = error;
            _nextSummaryAt = now + _summaryInterval;
            return;
        }

        _lastError = error;
        _repeatsSinceLastLine++;
        if (now >= _nextSummaryAt)
        {
            FlushRepeats();
            _nextSummaryAt = now + _summaryInterval;
        }
    }

    public void Succeeded()
    {
        if (_state is null)
        {
            return;
        }

        FlushRepeats();
        AgentLog.SyncRecovered(_logger, _failedPasses);
        _state = null;
        _failedPasses = 0;
    }

    private void FlushRepeats()
    {
        if (_repeatsSinceLastLine > 0)
        {
            AgentLog.SyncStillFailing(_logger, _lastError, _repeatsSinceLastLine);
        }

        _repeatsSinceLastLine = 0;
    }
}
