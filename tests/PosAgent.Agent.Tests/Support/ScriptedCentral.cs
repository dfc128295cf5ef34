using System.Collections.Concurrent;
using Grpc.Core;
using PosAgent.Agent.Internal.Central;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Tests.Support;

/// <summary>
/// A central service whose answers a test scripts (failures by status code, rejections, result
/// figures): the resilience policies are tested against exact failure sequences a real server
/// cannot produce on demand. Applies each transaction id once, like the real one.
/// </summary>
internal sealed class ScriptedCentral : ICentralClient
{
    private readonly ConcurrentQueue<Func<SubmitTransactionsRequest, Exception?>> _failures = new();
    private readonly ConcurrentDictionary<string, TransactionResult> _applied = new(StringComparer.Ordinal);

    public int SubmitCalls;

    private readonly TaskCompletionSource _allInFlight = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>When set, the first calls are held until this many are in flight at once (proves concurrency).</summary>
    public int? HoldUntilInFlight { get; set; }

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Transaction ids in the order the calls carried them.</summary>
    public List<string> Received { get; } = [];

    public List<int> BatchSizes { get; } = [];

    /// <summary>Decides each transaction's result (default: applied, 0 points).</summary>
    public Func<TerminalTransaction, TransactionResult> Decide { get; set; } = t => new TransactionResult { TransactionId = t.TransactionId, Outcome = TransactionOutcome.Applied };

    /// <summary>Fails every call with this status while set.</summary>
    public StatusCode? Down { get; set; }

    public IReadOnlyDictionary<string, TransactionResult> Applied => _applied;

    public void FailNext(StatusCode code, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue(_ => new RpcException(new Status(code, "scripted " + code)));
        }
    }

    public void FailNextWhen(Func<SubmitTransactionsRequest, Exception?> failure) => _failures.Enqueue(failure);

    public async Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref SubmitCalls);
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            InterlockedMax(ref _maxInFlight, inFlight);
            if (HoldUntilInFlight is { } hold)
            {
                if (inFlight >= hold)
                {
                    _allInFlight.TrySetResult();
                }

                await _allInFlight.Task.WaitAsync(cancellationToken);
            }

            return Answer(request);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var before && before != seen)
        {
            seen = before;
        }
    }

    private SubmitTransactionsResponse Answer(SubmitTransactionsRequest request)
    {
        lock (BatchSizes)
        {
            BatchSizes.Add(request.Transactions.Count);
            Received.AddRange(request.Transactions.Select(t => t.TransactionId));
        }

        if (Down is { } down)
        {
            throw new RpcException(new Status(down, "scripted outage"));
        }

        if (_failures.TryDequeue(out var failure) && failure(request) is { } error)
        {
            throw error;
        }

        var response = new SubmitTransactionsResponse();
        foreach (var transaction in request.Transactions)
        {
            if (_applied.TryGetValue(transaction.TransactionId, out var earlier))
            {
                var duplicate = earlier.Clone();
                duplicate.Outcome = earlier.Outcome == TransactionOutcome.Rejected ? TransactionOutcome.Rejected : TransactionOutcome.Duplicate;
                response.Results.Add(duplicate);
                continue;
            }

            var result = Decide(transaction);
            _applied[transaction.TransactionId] = result;
            response.Results.Add(result);
        }

        return response;
    }

    public Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken) => Fail<AuthorizeRedemptionResponse>();

    public Task<ReleaseRedemptionResponse> ReleaseRedemptionAsync(ReleaseRedemptionRequest request, CancellationToken cancellationToken) => Fail<ReleaseRedemptionResponse>();

    public Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken) => Fail<CardSnapshot>();

    public Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken) => Task.FromResult(new PullChangesResponse { NextCursor = request.AfterCursor });

    public Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken) => Task.FromResult(new ListProgramsResponse());

    public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken) => Fail<ListRewardsResponse>();

    public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken) => Fail<RegisterMemberResponse>();

    public Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken) => Fail<Card>();

    public Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken) => Fail<ReplaceCardResponse>();

    private Task<T> Fail<T>() => Task.FromException<T>(new RpcException(new Status(Down ?? StatusCode.NotFound, "scripted: not served")));
}
