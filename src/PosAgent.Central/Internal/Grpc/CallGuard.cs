using System.Data.Common;
using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Central.Storage;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// Authentication, the per-terminal rate limit, and the one place that turns service exceptions
/// into gRPC statuses; applied to every call by <see cref="CallGuardInterceptor"/>.
/// </summary>
internal sealed class CallGuard : IDisposable
{
    private const string CallerKey = "posagent.caller";
    private readonly CredentialService _credentials;
    private readonly ILogger _logger;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly UnauthenticatedCallLimiter _unauthenticated;
    private readonly int _burst;
    private readonly CentralMetrics? _metrics;

    public CallGuard(CredentialService credentials, CentralOptions options, TimeProvider time, ILogger logger, CentralMetrics? metrics = null)
    {
        _metrics = metrics;
        _credentials = credentials;
        _logger = logger;
        _unauthenticated = new UnauthenticatedCallLimiter(options, time, logger);
        _burst = options.RateLimitBurst;
        _limiter = PartitionedRateLimiter.Create<string, string>(terminal => RateLimitPartition.GetTokenBucketLimiter(terminal, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RateLimitBurst,
            TokensPerPeriod = options.RateLimitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = true,
            QueueLimit = 0,
        }));
    }

    public static Caller CallerOf(ServerCallContext context) => (Caller)context.UserState[CallerKey];

    /// <summary>Takes <paramref name="permits"/> from the caller's bucket or fails with RESOURCE_EXHAUSTED.</summary>
    public void Limit(Caller caller, int permits)
    {
        using var lease = _limiter.AttemptAcquire(caller.TerminalId, Math.Clamp(permits, 1, _burst));
        if (!lease.IsAcquired)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"terminal '{caller.TerminalId}' exceeded its rate limit; retry after a back-off"));
        }
    }

    /// <summary>Checks the call's bearer token and role, remembers the caller for the handler, and applies the rate limit.</summary>
    public async Task AuthenticateAsync(ServerCallContext context, CredentialRole role)
    {
        Caller caller;
        var peer = UnauthenticatedCallLimiter.PeerKey(context.GetHttpContext().Connection.RemoteIpAddress);
        var overAllowance = !_unauthenticated.HasAllowance(peer);
        try
        {
            caller = await _credentials.AuthenticateAsync(context.RequestHeaders.GetValue("authorization"), context.CancellationToken, cachedOnly: overAllowance).ConfigureAwait(false);
        }
        catch (AuthenticationFailure failure)
        {
            if (!_unauthenticated.FailedWithinAllowance(peer, alreadyOver: overAllowance))
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "too many calls without a valid credential from this address; fix the token and retry after a back-off"));
            }

            CentralLog.CallRefused(_logger, context.Method, failure.Message);
            throw new RpcException(new Status(failure.Unauthenticated ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, failure.Message));
        }
        catch (DbException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the store is unavailable; retry later"));
        }

        if (caller.Role != role)
        {
            var message = role == CredentialRole.Admin ? "this operation needs an admin credential" : "this service is for terminals; use a terminal credential";
            CentralLog.CallRefused(_logger, context.Method, message);
            throw new RpcException(new Status(StatusCode.PermissionDenied, message));
        }

        context.UserState[CallerKey] = caller;
        if (role == CredentialRole.Terminal && caller.TerminalId is { Length: > 0 } terminalId)
        {
            _metrics?.TerminalSeen(terminalId);
        }

        if (role == CredentialRole.Terminal && !context.Method.EndsWith("/SubmitTransactions", StringComparison.Ordinal))
        {
            Limit(caller, 1);
        }
    }

    /// <summary>The status a handler's exception stands for, logged unless it is a plain validation failure; null for a bug.</summary>
    public RpcException? ToRpc(ServerCallContext context, Exception ex)
    {
        if (Map(ex) is not { } mapped)
        {
            return null;
        }

        var status = new Status(mapped.StatusCode, PosAgent.Hosting.StatusDetail.Bounded(mapped.Detail));

        if (status.StatusCode != StatusCode.InvalidArgument)
        {
            CentralLog.CallRefused(_logger, context.Method, status.Detail);
        }

        return new RpcException(status);
    }

    public void Dispose()
    {
        _unauthenticated.Dispose();
        _limiter.Dispose();
    }

    private static Status? Map(Exception ex) => ex switch
    {
        RpcException => null,
        PosAgent.Sales.SaleValidationException v => new Status(StatusCode.InvalidArgument, v.Message),
        PermissionDeniedException p => new Status(StatusCode.PermissionDenied, p.Message),
        NotFoundException or KeyNotFoundException => new Status(StatusCode.NotFound, ex.Message),
        PreconditionException => new Status(StatusCode.FailedPrecondition, ex.Message),
        ProgramFileException => new Status(StatusCode.InvalidArgument, ex.Message),
        ProgramVersionConflictException => new Status(StatusCode.AlreadyExists, ex.Message),
        LoyaltyRuleException rule => new Status(StatusCode.FailedPrecondition, $"{ProtoMapping.Code(rule.Code)}: {rule.Message}"),
        TerminalBindingException => new Status(StatusCode.FailedPrecondition, ex.Message),
        // The database is down or overloaded: the caller should retry later.
        DbException or StoreConflictException or TimeoutException => new Status(StatusCode.Unavailable, "the store is unavailable; retry later"),
        _ => null,
    };
}
