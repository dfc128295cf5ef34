using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace PosAgent.Agent.Internal.Central;

/// <summary>How a failed call to the central service is treated.</summary>
internal enum FailureKind
{
    /// <summary>UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED of a rate limit, a timeout, a broken connection: retried, counts towards offline mode.</summary>
    Transient,

    /// <summary>The terminal's credentials were refused: not retried, not the operation's fault.</summary>
    Credentials,

    /// <summary>
    /// INVALID_ARGUMENT, RESOURCE_EXHAUSTED for a message over the size limit, and every other
    /// status: the link works, the call itself is refused; never retried, never opens the breaker.
    /// </summary>
    Permanent,

    /// <summary>The caller gave up.</summary>
    Cancelled,
}

/// <summary>
/// Every call to the central service goes through here. One circuit breaker is shared by all
/// calls: when it opens the agent is offline (checkout continues on the offline rules) and the
/// breaker lets a probe through after its break duration. The sync path adds retries with
/// exponential backoff and jitter; the checkout's online calls get a short budget and no retries.
/// </summary>
internal sealed class CentralGateway
{
    private readonly ICentralClient? _client;
    private readonly Connectivity _connectivity;
    private readonly ResiliencePipeline _shared;
    private readonly ResiliencePipeline _sync;
    private readonly TimeProvider _time;
    private readonly SyncOptions _options;
    private readonly ILogger _logger;

    public CentralGateway(ICentralClient? client, SyncOptions options, Connectivity connectivity, TimeProvider time, ILogger logger)
    {
        _client = client;
        _options = options;
        _connectivity = connectivity;
        _time = time;
        _logger = logger;
        var transient = new PredicateBuilder().Handle<Exception>(ex => Classify(ex) == FailureKind.Transient);
        _shared = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.BreakFailureRatio,
                MinimumThroughput = options.BreakMinimumThroughput,
                SamplingDuration = options.BreakSamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = transient,
                OnOpened = args =>
                {
                    var error = Describe(args.Outcome.Exception);
                    AgentLog.CircuitOpened(_logger, args.BreakDuration, error);
                    _connectivity.Offline(error);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    AgentLog.CircuitHalfOpened(_logger);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    AgentLog.CircuitClosed(_logger);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
        _sync = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetryAttempts),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not BrokenCircuitException && Classify(ex) == FailureKind.Transient),
                OnRetry = args =>
                {
                    var error = Describe(args.Outcome.Exception);
                    AgentLog.Retrying(_logger, args.AttemptNumber + 1, args.RetryDelay, error);
                    _connectivity.Degraded(error);
                    return ValueTask.CompletedTask;
                },
            })
            .AddPipeline(_shared)
            .Build();
        if (options.MaxRetryAttempts == 0)
        {
            _sync = _shared;
        }
    }

    public bool Configured => _client is not null;

    /// <summary>Configured and not in offline mode.</summary>
    public bool IsReachable => _client is not null && _connectivity.MayCallCentral;

    public ICentralClient Client => _client ?? throw ApiError.Unavailable("No central service is configured for this agent; this operation needs it.");

    /// <summary>A sync call: retried on transient failures, through the shared breaker.</summary>
    public async Task<T> CallWithRetriesAsync<T>(Func<ICentralClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var client = Client;
        try
        {
            var result = await _sync.ExecuteAsync(async ct => await call(client, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            _connectivity.Succeeded();
            return result;
        }
        catch (Exception ex) when (Classify(ex) != FailureKind.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            _connectivity.Failed(Describe(ex));
            throw;
        }
    }

    /// <summary>
    /// A checkout call within <paramref name="budget"/> and no retries. Returns false (with the
    /// reason) when the central service could not answer in time or is offline, so the caller
    /// falls back to the offline rules; the central service's own refusals are thrown.
    /// </summary>
    public async Task<(bool Answered, T? Value, string? Reason)> TryCallAsync<T>(Func<ICentralClient, CancellationToken, Task<T>> call, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            return (false, default, "no central service configured");
        }

        if (!_connectivity.MayCallCentral)
        {
            return (false, default, "offline");
        }

        using var timeout = new CancellationTokenSource(budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var result = await _shared.ExecuteAsync(async ct => await call(_client, ct).ConfigureAwait(false), linked.Token).ConfigureAwait(false);
            _connectivity.Succeeded();
            return (true, result, null);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _ = ex;
            return (false, default, $"no answer within {budget.TotalMilliseconds:0} ms");
        }
        catch (Exception ex) when (Classify(ex) == FailureKind.Transient)
        {
            return (false, default, Describe(ex));
        }
    }

    /// <summary>A registrar-desk call (registration, cards): one attempt through the breaker; offline is UNAVAILABLE with a clear message.</summary>
    public async Task<T> CallOnlineOnlyAsync<T>(string what, Func<ICentralClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            throw ApiError.Unavailable($"{what} needs the central service, and none is configured for this agent.");
        }

        if (_connectivity.State == Contracts.PosAgent.V1.ConnectivityState.Offline)
        {
            throw ApiError.Unavailable($"{what} needs the central service, which cannot be reached now (offline mode); try again when the connection is back.");
        }

        try
        {
            var result = await _shared.ExecuteAsync(async ct => await call(_client, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            _connectivity.Succeeded();
            return result;
        }
        catch (Exception ex) when (Classify(ex) == FailureKind.Transient)
        {
            throw ApiError.Unavailable($"{what} needs the central service, which did not answer ({Describe(ex)}); try again shortly.");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.AlreadyExists)
        {
            throw new ApiError(ex.StatusCode switch
            {
                StatusCode.InvalidArgument => ApiErrorCode.InvalidArgument,
                StatusCode.NotFound => ApiErrorCode.NotFound,
                _ => ApiErrorCode.FailedPrecondition,
            }, $"{what}: the central service refused it: {ex.Status.Detail}");
        }
        catch (RpcException ex)
        {
            throw ApiError.Unavailable($"{what}: the central service answered {ex.StatusCode}: {ex.Status.Detail}");
        }
    }

    public static FailureKind Classify(Exception exception) => exception switch
    {
        RpcException { StatusCode: StatusCode.ResourceExhausted } rpc when IsMessageSizeLimit(rpc) => FailureKind.Permanent,
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted } => FailureKind.Transient,
        RpcException { StatusCode: StatusCode.Unauthenticated or StatusCode.PermissionDenied } => FailureKind.Credentials,
        RpcException { StatusCode: StatusCode.Cancelled } => FailureKind.Transient,
        RpcException => FailureKind.Permanent,
        TimeoutRejectedException => FailureKind.Transient,
        BrokenCircuitException => FailureKind.Transient,
        HttpRequestException or IOException or System.Net.Sockets.SocketException => FailureKind.Transient,
        OperationCanceledException => FailureKind.Cancelled,
        _ => FailureKind.Permanent,
    };

    /// <summary>
    /// A message over a size limit (either side's): the same call would fail the same way on any
    /// link, so it says nothing about connectivity. grpc-dotnet says "exceeds the maximum configured
    /// message size", gRPC C-core "larger than max"; the central's rate limit says neither.
    /// </summary>
    private static bool IsMessageSizeLimit(RpcException rpc) =>
        rpc.Status.Detail.Contains("message size", StringComparison.OrdinalIgnoreCase)
        || rpc.Status.Detail.Contains("larger than max", StringComparison.OrdinalIgnoreCase);

    public static string Describe(Exception? exception) => exception switch
    {
        null => "unknown error",
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        TimeoutRejectedException => "attempt timed out",
        BrokenCircuitException => "circuit open (offline)",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
