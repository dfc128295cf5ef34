using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Agent.Internal;
using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Agent.Internal.Sync;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;
using ConnectivityState = PosAgent.Contracts.PosAgent.V1.ConnectivityState;
using EventKind = PosAgent.Contracts.PosAgent.V1.EventKind;

namespace PosAgent.Agent.Tests.Sync;

/// <summary>The sync worker and its Polly pipeline on a fake clock against scripted failures.</summary>
public sealed class SyncWorkerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedCentral _central = new();
    private readonly AgentStore _store;
    private readonly SyncOptions _options = new() { BatchSize = 10, MaxRetryAttempts = 3, BreakMinimumThroughput = 4, BreakFailureRatio = 0.5 };
    private readonly Connectivity _connectivity;
    private readonly EventHub _events;
    private readonly SyncWorker _sut;

    public SyncWorkerTests()
    {
        _store = AgentStore.Open(_dir.File("agent.db"), _time);
        _connectivity = new Connectivity(_time, configured: true);
        _events = new EventHub(_time);
        var gateway = new CentralGateway(_central, _options, _connectivity, _time, NullLogger.Instance);
        _sut = new SyncWorker(_store, gateway, new CardDirectory(_store), _events, _connectivity, new SyncSignal(), _options, _time, NullLogger.Instance);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private List<string> Commit(int count, long estimatedEarned = 0, long spentOffline = 0, string card = "7800000000000001")
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7().ToString();
            var tx = new TerminalTransaction
            {
                TransactionId = id,
                BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
                CardNumber = card,
                Offline = spentOffline > 0,
                Sale = new Sale { Lines = { new SaleLine { LineId = "1", Category = "medical", UnitPriceMinor = 1000, Quantity = 1 } } },
            };
            _store.Commit(new OutboxOperation(id, "sale", tx.CardNumber, _time.GetUtcNow(), tx, tx.Offline, estimatedEarned, spentOffline), null, spentOffline);
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>Runs a pass, moving the fake clock so Polly's delays and timeouts elapse.</summary>
    private async Task<SyncPassResult> DrainAsync()
    {
        var pass = _sut.DrainAsync(CancellationToken.None);
        for (var i = 0; i < 2000 && !pass.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(pass, Task.Delay(1));
        }

        return await pass.WithTimeout();
    }

    [Fact]
    public async Task Drain_TransientFailuresThenSuccess_RetriedAndSyncedOnce()
    {
        var ids = Commit(3);
        _central.FailNext(StatusCode.Unavailable);
        _central.FailNext(StatusCode.DeadlineExceeded);

        var result = await DrainAsync();

        Assert.Equal(3, result.Synced);
        Assert.Equal(3, _central.SubmitCalls);
        Assert.Equal(3, _central.Applied.Count);
        Assert.Empty(_store.ReadPending(10));
        Assert.All(ids, id => Assert.Equal(OutboxState.Synced, _store.FindOperation(id)!.State));
        Assert.Equal(ConnectivityState.Online, _connectivity.State);
    }

    [Fact]
    public async Task Drain_ResourceExhausted_RetriedWithBackoff()
    {
        Commit(1);
        _central.FailNext(StatusCode.ResourceExhausted, times: 2);

        var result = await DrainAsync();

        Assert.Equal(1, result.Synced);
        Assert.Equal(3, _central.SubmitCalls);
    }

    [Fact]
    public async Task Drain_InvalidArgumentForBatch_NotRetriedBadOneParkedOthersSynced()
    {
        var ids = Commit(3);
        var bad = ids[1];
        _central.FailNextWhen(r => new RpcException(new Status(StatusCode.InvalidArgument, "transactions[1].sale: bad")));
        _central.FailNextWhen(_ => null);
        _central.FailNextWhen(_ => new RpcException(new Status(StatusCode.InvalidArgument, "transactions[0].sale: bad")));
        using var parked = _events.Subscribe([EventKind.OperationParked]);

        var result = await DrainAsync();

        Assert.Equal(2, result.Synced);
        Assert.Equal(1, result.Parked);
        Assert.Equal(OutboxState.Parked, _store.FindOperation(bad)!.State);
        Assert.Contains("InvalidArgument", _store.FindOperation(bad)!.LastError, StringComparison.Ordinal);
        Assert.Equal([3, 1, 1, 1], _central.BatchSizes);
        Assert.True(parked.Reader.TryRead(out var parkedEvent));
        Assert.Equal(bad, parkedEvent.OperationParked.OperationId);
        Assert.Equal(1, _store.CountOutbox().Parked);
    }

    [Fact]
    public async Task Drain_CentralDown_CircuitOpensOfflineThenProbeRecovers()
    {
        Commit(2);
        _central.Down = StatusCode.Unavailable;

        var first = await DrainAsync();

        Assert.NotNull(first.Error);
        Assert.Equal(ConnectivityState.Offline, _connectivity.State);
        Assert.Equal(2, _store.CountOutbox().Pending);
        var callsWhenOpened = _central.SubmitCalls;

        var whileOpen = await _sut.DrainAsync(CancellationToken.None).WithTimeout();
        Assert.StartsWith("offline", whileOpen.Error, StringComparison.Ordinal);
        Assert.Equal(callsWhenOpened, _central.SubmitCalls);

        _central.Down = null;
        _time.Advance(_options.BreakDuration);
        var probe = await DrainAsync();

        Assert.Equal(2, probe.Synced);
        Assert.Equal(ConnectivityState.Online, _connectivity.State);
        Assert.Equal(0, _store.CountOutbox().Pending);
    }

    [Fact]
    public async Task Drain_AnswerLostAfterApply_ResendIsDuplicateNotAppliedTwice()
    {
        var ids = Commit(2);
        var applied = new List<string>();
        _central.Decide = t =>
        {
            lock (applied)
            {
                applied.Add(t.TransactionId);
            }

            return new TransactionResult { TransactionId = t.TransactionId, Outcome = TransactionOutcome.Applied };
        };

        // The central service applies the batch but the answer is lost (a reset connection).
        _central.FailNextWhen(r =>
        {
            _central.SubmitTransactionsAsync(r, CancellationToken.None).GetAwaiter().GetResult();
            return new RpcException(new Status(StatusCode.Unavailable, "connection reset"));
        });

        var result = await DrainAsync();

        Assert.Equal(2, result.Synced);
        Assert.Equal(ids.Order(), applied.Order());
        Assert.All(ids, id => Assert.Equal(OutboxState.Synced, _store.FindOperation(id)!.State));
    }

    [Fact]
    public async Task Drain_ResultDiffersFromEstimate_CorrectionEventAndOfflineExposureConfirmed()
    {
        var ids = Commit(1, estimatedEarned: 30, spentOffline: 100);
        _central.Decide = t => new TransactionResult
        {
            TransactionId = t.TransactionId,
            Outcome = TransactionOutcome.Applied,
            PointsEarned = 25,
            PointsSpent = 100,
            Balance = new BalanceInfo { Balance = 500 },
        };
        using var corrections = _events.Subscribe([EventKind.Correction]);
        Assert.Equal(100, _store.OfflineExposure().Points);

        await DrainAsync();

        Assert.True(corrections.Reader.TryRead(out var correction));
        Assert.Equal(ids[0], correction.Correction.OperationId);
        Assert.Equal(30, correction.Correction.EstimatedPointsEarned);
        Assert.Equal(25, correction.Correction.ActualPointsEarned);
        Assert.Equal("****0001", correction.Correction.MaskedCardNumber);
        Assert.Equal(0, _store.OfflineExposure().Points);
    }

    [Fact]
    public async Task Drain_OfflineRedemptionRejectedForInsufficientPoints_ParkedAndOverspendReported()
    {
        Commit(1, spentOffline: 400);
        _central.Decide = t => new TransactionResult
        {
            TransactionId = t.TransactionId,
            Outcome = TransactionOutcome.Rejected,
            Rejection = new Rejection { Code = "insufficient_points", Message = "only 100 points left" },
        };

        var result = await DrainAsync();

        Assert.Equal(1, result.Parked);
        Assert.Equal((0L, 0, 400L), _store.OfflineExposure());
    }

    [Fact]
    public async Task Drain_Unauthenticated_NotParkedAndReportedAsCredentials()
    {
        Commit(1);
        _central.FailNext(StatusCode.Unauthenticated);

        var result = await DrainAsync();

        Assert.StartsWith("credentials", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, _central.SubmitCalls);
        Assert.Equal(1, _store.CountOutbox().Pending);
        Assert.Equal(0, _store.CountOutbox().Parked);
    }

    [Fact]
    public async Task Drain_AttemptNeverAnswers_TimedOutAndRetried()
    {
        Commit(1);
        var hang = new TaskCompletionSource<SubmitTransactionsResponse>();
        var hanging = new HangingCentral(_central, hang.Task);
        var gateway = new CentralGateway(hanging, _options, _connectivity, _time, NullLogger.Instance);
        var sut = new SyncWorker(_store, gateway, new CardDirectory(_store), _events, _connectivity, new SyncSignal(), _options, _time, NullLogger.Instance);

        var pass = sut.DrainAsync(CancellationToken.None);
        for (var i = 0; i < 2000 && !pass.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(pass, Task.Delay(1));
        }

        var result = await pass.WithTimeout();
        Assert.Equal(1, result.Synced);
        Assert.Equal(2, hanging.Calls);
    }

    /// <summary>The first call never answers (until cancelled); later ones go to the scripted central.</summary>
    private sealed class HangingCentral(ScriptedCentral inner, Task<SubmitTransactionsResponse> never) : ICentralClient
    {
        public int Calls;

        public async Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref Calls) == 1
                ? await never.WaitAsync(cancellationToken)
                : await inner.SubmitTransactionsAsync(request, cancellationToken);

        public Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken) => inner.AuthorizeRedemptionAsync(request, cancellationToken);

        public Task<ReleaseRedemptionResponse> ReleaseRedemptionAsync(ReleaseRedemptionRequest request, CancellationToken cancellationToken) => inner.ReleaseRedemptionAsync(request, cancellationToken);

        public Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken) => inner.GetCardSnapshotAsync(request, cancellationToken);

        public Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken) => inner.PullChangesAsync(request, cancellationToken);

        public Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken) => inner.ListProgramsAsync(request, cancellationToken);

        public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken) => inner.ListRewardsAsync(request, cancellationToken);

        public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken) => inner.RegisterMemberAsync(request, cancellationToken);

        public Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken) => inner.IssueCardAsync(request, cancellationToken);

        public Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken) => inner.ReplaceCardAsync(request, cancellationToken);
    }

    [Fact]
    public async Task Drain_BacklogOnManyCards_BatchesInFlightTogetherEachCardInCommitOrder()
    {
        _options.MaxBatchesInFlight = 4;
        var cards = Enumerable.Range(1, 12).Select(i => "78000000000000" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var lanesUsed = cards.Select(c => SyncWorker.LaneOf(new PendingOperation(0, "op", "sale", c, _time.GetUtcNow(), [], false, 0, 0, OutboxState.Pending, null, null), 4)).Distinct().Count();
        Assert.Equal(4, lanesUsed);
        var byCard = new Dictionary<string, List<string>>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var card in cards)
            {
                (byCard.TryGetValue(card, out var list) ? list : byCard[card] = []).AddRange(Commit(1, card: card));
            }
        }

        _central.HoldUntilInFlight = 4;

        var result = await DrainAsync();

        Assert.Null(result.Error);
        Assert.Equal(60, result.Synced);
        Assert.Equal(4, _central.MaxInFlight);
        Assert.Equal(60, _central.Applied.Count);
        Assert.Equal(60, _central.Received.Count);
        foreach (var (card, committed) in byCard)
        {
            Assert.Equal(committed, _central.Received.Where(committed.Contains).ToList());
        }

        Assert.Equal(0, _store.CountOutbox().Pending);
    }

    [Fact]
    public async Task Drain_BacklogMostlyOnOneCard_EverythingSyncedOnceInOrder()
    {
        _options.MaxBatchesInFlight = 4;
        _options.BatchSize = 5;
        var busy = Commit(100, card: "7800000000000001");
        var others = Enumerable.Range(2, 6).SelectMany(i => Commit(1, card: "780000000000000" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var last = Commit(1, card: "7800000000000001");

        var result = await DrainAsync();

        Assert.Null(result.Error);
        Assert.Equal(107, result.Synced);
        Assert.Equal(0, _store.CountOutbox().Pending);
        Assert.Equal(107, _central.Applied.Count);
        Assert.Equal(107, _central.Received.Count);
        Assert.Equal([.. busy, .. last], _central.Received.Where(id => busy.Contains(id) || last.Contains(id)).ToList());
        Assert.All(others, id => Assert.True(_central.Applied.ContainsKey(id)));
    }
}
