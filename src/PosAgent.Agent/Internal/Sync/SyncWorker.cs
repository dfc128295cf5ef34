using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Agent.Internal.Telemetry;
using PosAgent.Contracts.PosAgent.V1;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Sync;

/// <summary>What one drain pass did.</summary>
internal sealed record SyncPassResult(int Synced, int Parked, bool Stopped, string? Error);

/// <summary>
/// Sends the outbox to the central service in batches, oldest first. Every operation keeps its id,
/// so a batch resent after a crash or a lost answer is applied once (the central service answers
/// DUPLICATE). Transient failures are retried by the gateway's pipeline and, when they persist,
/// open the circuit (offline mode); a batch the central service refuses as a whole is resent one
/// operation at a time so that only the bad one is parked.
/// </summary>
internal sealed partial class SyncWorker
{
    private readonly AgentStore _store;
    private readonly CentralGateway _central;
    private readonly CardDirectory _cards;
    private readonly EventHub _events;
    private readonly Connectivity _connectivity;
    private readonly SyncSignal _signal;
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FailureLogThrottle _failureLog;
    private readonly AgentMetrics? _metrics;
    private long _syncedSinceStart;

    public SyncWorker(AgentStore store, CentralGateway central, CardDirectory cards, EventHub events, Connectivity connectivity,
        SyncSignal signal, SyncOptions options, TimeProvider time, ILogger logger, AgentMetrics? metrics = null)
    {
        _metrics = metrics;
        _store = store;
        _central = central;
        _cards = cards;
        _events = events;
        _connectivity = connectivity;
        _signal = signal;
        _options = options;
        _time = time;
        _logger = logger;
        _failureLog = new FailureLogThrottle(options.FailureSummaryInterval, time, logger);
    }

    public DateTimeOffset? LastSync { get; private set; }

    public long SyncedSinceStart => Interlocked.Read(ref _syncedSinceStart);

    /// <summary>Runs until cancelled: a pass whenever something is committed, and at least every poll interval.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var nextPrune = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var result = await DrainAsync(cancellationToken).ConfigureAwait(false);
                if (result.Error is not null)
                {
                    _failureLog.Failed(result.Error);
                }
                else if (result.Synced + result.Parked > 0)
                {
                    // Only a pass that reached the central service says it is back: an empty outbox proves nothing.
                    _failureLog.Succeeded();
                }

                // Checkpoints run here, between two commits, so no commit waits for one.
                _store.CheckpointIfDue();
                if (_time.GetUtcNow() >= nextPrune)
                {
                    _store.PruneSynced(_time.GetUtcNow() - _options.SyncedRetention);
                    nextPrune = _time.GetUtcNow() + TimeSpan.FromHours(1);
                }

                var wait = result.Error is { } e && e.StartsWith("credentials", StringComparison.Ordinal) ? _options.AuthFailureDelay : _options.PollInterval;
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(wait, _time, timer.Token);
                var woken = _signal.WaitAsync(timer.Token);
                var first = await Task.WhenAny(delay, woken).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
                if (first == woken && _options.CommitDelay > TimeSpan.Zero)
                {
                    // Woken by a commit: let its answer go out first (and the next commits join the batch).
                    await Task.Delay(_options.CommitDelay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The worker must outlive any one failure; it logs and tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                AgentLog.Unexpected(_logger, ex, "sync worker");
                try
                {
                    await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Sends batches until the outbox is empty or the central service cannot take more now. Up to
    /// <see cref="SyncOptions.MaxBatchesInFlight"/> batches are in flight at once, so the drain is
    /// bound by the central service's ingestion rather than by the round trips: pending operations
    /// are read oldest first and dealt into lanes by card, and each lane sends its operations in
    /// commit order, one batch at a time (a card's refund never overtakes its sale, its redemption
    /// never overtakes the sale that earned the points). Lanes do not wait for each other.
    /// Exactly once still holds: every operation keeps its id, the central service applies an id
    /// once, and each result is recorded against its id.
    /// </summary>
    public async Task<SyncPassResult> DrainAsync(CancellationToken cancellationToken)
    {
        if (!_central.Configured)
        {
            return new SyncPassResult(0, 0, true, null);
        }

        int synced = 0, parked = 0;
        while (true)
        {
            var pass = new DrainPass(_store, Math.Max(1, _options.MaxBatchesInFlight), _options.BatchSize);
            await Task.WhenAll(Enumerable.Range(0, pass.Lanes).Select(lane => RunLaneAsync(pass, lane, cancellationToken))).ConfigureAwait(false);
            synced += pass.Synced;
            parked += pass.Parked;
            if (pass.Error is { } error)
            {
                PublishState(synced, error);
                return new SyncPassResult(synced, parked, true, error);
            }

            if (pass.Finished)
            {
                return new SyncPassResult(synced, parked, false, null);
            }

            // A lane stopped early to bound what is held in memory and operations were dealt to it
            // afterwards: they are still pending; the next pass reads them again.
        }
    }

    private async Task RunLaneAsync(DrainPass pass, int lane, CancellationToken cancellationToken)
    {
        while (pass.Take(lane) is { } batch)
        {
            var (s, p, error) = await SendAsync(batch, cancellationToken).ConfigureAwait(false);
            pass.Done(s, p, error);
            if (error is not null)
            {
                return;
            }

            LastSync = _time.GetUtcNow();
            AgentLog.Synced(_logger, s);
            PublishState(s);
        }
    }

    /// <summary>The lane of an operation: by card (FNV-1a: the same card always lands in the same lane); no card: the first lane.</summary>
    internal static int LaneOf(PendingOperation operation, int lanes) =>
        operation.CardNumber is { Length: > 0 } card ? (int)(StableHash(card) % (uint)lanes) : 0;

    private static uint StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>
    /// One drain pass: reads pending operations oldest first as lanes need them and deals them
    /// into per-lane queues; holds at most a few windows in memory (a lane with nothing to do
    /// while the others hold that much stops; the next pass starts over).
    /// </summary>
    private sealed class DrainPass(AgentStore store, int lanes, int batchSize)
    {
        private readonly Lock _gate = new();
        private readonly Queue<PendingOperation>[] _queues = [.. Enumerable.Range(0, lanes).Select(_ => new Queue<PendingOperation>())];
        private long _dispatched;
        private int _queued;
        private bool _exhausted;

        public int Lanes => lanes;

        public int Synced { get; private set; }

        public int Parked { get; private set; }

        public string? Error { get; private set; }

        /// <summary>Everything pending was read and sent.</summary>
        public bool Finished
        {
            get
            {
                lock (_gate)
                {
                    return _exhausted && _queued == 0;
                }
            }
        }

        /// <summary>The lane's next batch in commit order, or null when the lane is done.</summary>
        public PendingOperation[]? Take(int lane)
        {
            lock (_gate)
            {
                var queue = _queues[lane];
                while (Error is null && queue.Count == 0 && !_exhausted && _queued < lanes * batchSize * 2)
                {
                    var window = store.ReadPending(lanes * batchSize, _dispatched);
                    if (window.Count == 0)
                    {
                        _exhausted = true;
                        break;
                    }

                    foreach (var operation in window)
                    {
                        _queues[LaneOf(operation, lanes)].Enqueue(operation);
                    }

                    _queued += window.Count;
                    _dispatched = window[^1].Sequence;
                }

                if (Error is not null || queue.Count == 0)
                {
                    return null;
                }

                var batch = new PendingOperation[Math.Min(batchSize, queue.Count)];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = queue.Dequeue();
                }

                _queued -= batch.Length;
                return batch;
            }
        }

        public void Done(int synced, int parked, string? error)
        {
            lock (_gate)
            {
                Synced += synced;
                Parked += parked;
                Error ??= error;
            }
        }
    }

    private async Task<(int Synced, int Parked, string? Error)> SendAsync(IReadOnlyList<PendingOperation> batch, CancellationToken cancellationToken)
    {
        var request = new Loyalty.SubmitTransactionsRequest();
        foreach (var operation in batch)
        {
            request.Transactions.Add(Loyalty.TerminalTransaction.Parser.ParseFrom(operation.Payload));
        }

        Loyalty.SubmitTransactionsResponse response;
        var telemetry = StartBatch(request);
        try
        {
            response = await _central.CallWithRetriesAsync((c, ct) => c.SubmitTransactionsAsync(request, ct), cancellationToken).ConfigureAwait(false);
            telemetry.Ended(null);
        }
        catch (Exception ex) when (telemetry.Ended(ex))
        {
            throw; // never taken: Ended records the failure and returns false
        }
        catch (Exception ex) when (CentralGateway.Classify(ex) == FailureKind.Transient)
        {
            return (0, 0, ex is BrokenCircuitException ? "offline: " + CentralGateway.Describe(ex) : CentralGateway.Describe(ex));
        }
        catch (RpcException ex) when (CentralGateway.Classify(ex) == FailureKind.Credentials)
        {
            AgentLog.CredentialsRefused(_logger, CentralGateway.Describe(ex), _options.AuthFailureDelay);
            return (0, 0, "credentials: " + CentralGateway.Describe(ex));
        }
        catch (RpcException ex) when (batch.Count > 1)
        {
            // The whole batch was refused (e.g. INVALID_ARGUMENT naming one transaction): find the
            // bad one(s) by sending each alone; the good ones go through.
            _ = ex;
            int synced = 0, parked = 0;
            foreach (var operation in batch)
            {
                var (s, p, error) = await SendAsync([operation], cancellationToken).ConfigureAwait(false);
                synced += s;
                parked += p;
                if (error is not null)
                {
                    return (synced, parked, error);
                }
            }

            return (synced, parked, null);
        }
        catch (RpcException ex)
        {
            var error = CentralGateway.Describe(ex);
            Record([new SyncOutcome(batch[0].OperationId, OutboxState.Parked, [], error, 0)]);
            ReportParked(batch[0], error);
            return (0, 1, null);
        }

        return Process(batch, response);
    }

    /// <summary>
    /// Sends one operation now, within the attempt timeout and without retries (a rewards
    /// exchange the cashier waits for). Null when the central service did not answer; the
    /// operation then stays in the outbox for the worker.
    /// </summary>
    public async Task<Loyalty.TransactionResult?> SendNowAsync(string operationId, CancellationToken cancellationToken)
    {
        var operation = _store.FindOperation(operationId);
        if (operation is null)
        {
            return null;
        }

        var request = new Loyalty.SubmitTransactionsRequest { Transactions = { Loyalty.TerminalTransaction.Parser.ParseFrom(operation.Payload) } };
        var (answered, response, _) = await _central.TryCallAsync((c, ct) => c.SubmitTransactionsAsync(request, ct), _options.AttemptTimeout, cancellationToken).ConfigureAwait(false);
        if (!answered || response is null || response.Results.Count != 1)
        {
            return null;
        }

        // The caller tells the POS the answer, a refusal too: that is no parked operation to alarm about.
        Process([operation], response, answeredToPos: true);
        return response.Results[0];
    }

    private (int Synced, int Parked, string? Error) Process(IReadOnlyList<PendingOperation> batch, Loyalty.SubmitTransactionsResponse response, bool answeredToPos = false)
    {
        if (response.Results.Count != batch.Count)
        {
            return (0, 0, $"the central service answered {response.Results.Count} results for {batch.Count} transactions");
        }

        var outcomes = new List<SyncOutcome>(batch.Count);
        var corrections = new List<(PendingOperation, Loyalty.TransactionResult)>();
        var parkedOps = new List<(PendingOperation, string)>();
        var balances = new Dictionary<string, Loyalty.BalanceInfo>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var operation = batch[i];
            var result = response.Results[i];
            var rejected = result.Outcome == Loyalty.TransactionOutcome.Rejected || result.Rejection is { Code.Length: > 0 };
            if (rejected)
            {
                var error = $"{result.Rejection?.Code}: {result.Rejection?.Message}";
                // Points spent offline on a sale the central service refused are points given away:
                // the overspend the offline allowance bounds.
                var overspent = operation.Offline && operation.EstimatedSpent > 0 ? operation.EstimatedSpent : 0;
                if (answeredToPos)
                {
                    outcomes.Add(new SyncOutcome(operation.OperationId, OutboxState.Refused, result.ToByteArray(), error, overspent));
                    continue;
                }

                outcomes.Add(new SyncOutcome(operation.OperationId, OutboxState.Parked, result.ToByteArray(), error, overspent));
                parkedOps.Add((operation, error));
            }
            else
            {
                var overspent = operation.Offline && operation.EstimatedSpent > 0 && result.Balance is { Balance: < 0 } b ? Math.Min(operation.EstimatedSpent, -b.Balance) : 0;
                outcomes.Add(new SyncOutcome(operation.OperationId, OutboxState.Synced, result.ToByteArray(), null, overspent));
                if (operation.Kind == "sale" && (result.PointsEarned != operation.EstimatedEarned || result.PointsSpent != operation.EstimatedSpent))
                {
                    corrections.Add((operation, result));
                }

                if (operation.CardNumber is { Length: > 0 } card && result.Balance is not null)
                {
                    balances[card] = result.Balance;
                }
            }
        }

        Record(outcomes);
        _cards.UpdateBalances(balances);
        foreach (var (operation, error) in parkedOps)
        {
            ReportParked(operation, error);
        }

        foreach (var (operation, result) in corrections)
        {
            AgentLog.Correction(_logger, operation.OperationId, Masking.Card(operation.CardNumber), operation.EstimatedEarned, result.PointsEarned, operation.EstimatedSpent, result.PointsSpent);
            _events.Publish(new AgentEvent
            {
                Correction = new CorrectionEvent
                {
                    OperationId = operation.OperationId,
                    MaskedCardNumber = Masking.Card(operation.CardNumber),
                    EstimatedPointsEarned = operation.EstimatedEarned,
                    ActualPointsEarned = result.PointsEarned,
                    EstimatedPointsSpent = operation.EstimatedSpent,
                    ActualPointsSpent = result.PointsSpent,
                    BalanceAfter = result.Balance?.Balance ?? 0,
                    Reason = operation.Offline ? "offline estimate differed from the central service's result" : "the central service's result differed from the quote",
                },
            });
        }

        return (outcomes.Count - parkedOps.Count, parkedOps.Count, null);
    }

    private void Record(IReadOnlyList<SyncOutcome> outcomes)
    {
        var (synced, _, _) = _store.RecordOutcomes(outcomes);
        _metrics?.SyncOperations(outcomes.Count(o => o.State == OutboxState.Synced), outcomes.Count(o => o.State == OutboxState.Parked));
        Interlocked.Add(ref _syncedSinceStart, synced);
    }

    private void ReportParked(PendingOperation operation, string error)
    {
        AgentLog.Parked(_logger, operation.OperationId, operation.Kind, error);
        _events.Publish(new AgentEvent { OperationParked = new OperationParkedEvent { OperationId = operation.OperationId, Kind = operation.Kind, Error = error } });
    }

    private void PublishState(int syncedInBatch, string? error = null)
    {
        var (pending, parked, _) = _store.CountOutbox();

        _events.Publish(new AgentEvent
        {
            SyncState = new SyncStateEvent
            {
                State = _connectivity.State,
                Pending = pending,
                Parked = parked,
                SyncedInBatch = syncedInBatch,
                LastError = error ?? string.Empty,
            },
        });
    }
}
