using System.Data.Common;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Rpc;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// Authentication (an interceptor, before the request is read), the per-terminal rate limit,
/// and the one place that turns service exceptions into gRPC statuses.
/// </summary>
internal sealed class CallGuard : IDisposable
{
    private const string CallerKey = "posagent.caller";
    private readonly CredentialService _credentials;
    private readonly ILogger _logger;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly int _burst;

    public CallGuard(CredentialService credentials, CentralOptions options, ILogger logger)
    {
        _credentials = credentials;
        _logger = logger;
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

    public IServerInterceptor Require(CredentialRole role) => new AuthInterceptor(this, role);

    public static Caller CallerOf(ServerCallContext context) => (Caller)context.Items[CallerKey]!;

    /// <summary>Takes <paramref name="permits"/> from the caller's bucket or fails with RESOURCE_EXHAUSTED.</summary>
    public void Limit(Caller caller, int permits)
    {
        using var lease = _limiter.AttemptAcquire(caller.TerminalId, Math.Clamp(permits, 1, _burst));
        if (!lease.IsAcquired)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"terminal '{caller.TerminalId}' exceeded its rate limit; retry after a back-off");
        }
    }

    /// <summary>Runs a handler body, mapping failures to statuses that tell the caller what to do.</summary>
    public async Task<T> RunAsync<T>(ServerCallContext context, Func<Caller, CancellationToken, Task<T>> body)
    {
        try
        {
            return await body(CallerOf(context), context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex) is { } status)
        {
            if (status.StatusCode != StatusCode.InvalidArgument)
            {
                CentralLog.CallRefused(_logger, context.Method, status.Detail);
            }

            throw new RpcException(status);
        }
    }

    public void Dispose() => _limiter.Dispose();

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
        InvalidOperationException when ex.Message.Contains("terminal", StringComparison.Ordinal) => new Status(StatusCode.FailedPrecondition, ex.Message),
        // The database is down or overloaded: the caller should retry later.
        DbException or StoreConflictException or TimeoutException => new Status(StatusCode.Unavailable, "the store is unavailable; retry later"),
        _ => null,
    };

    private sealed class AuthInterceptor(CallGuard guard, CredentialRole role) : IServerInterceptor
    {
        public async Task InterceptAsync(ServerCallContext context, Func<ServerCallContext, Task> next)
        {
            Caller caller;
            try
            {
                caller = await guard._credentials.AuthenticateAsync(context.RequestHeaders.GetValue("authorization"), context.CancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationFailure failure)
            {
                CentralLog.CallRefused(guard._logger, context.Method, failure.Message);
                throw new RpcException(failure.Unauthenticated ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, failure.Message);
            }
            catch (DbException)
            {
                throw new RpcException(StatusCode.Unavailable, "the store is unavailable; retry later");
            }

            if (caller.Role != role)
            {
                var message = role == CredentialRole.Admin ? "this operation needs an admin credential" : "this service is for terminals; use a terminal credential";
                CentralLog.CallRefused(guard._logger, context.Method, message);
                throw new RpcException(StatusCode.PermissionDenied, message);
            }

            context.Items[CallerKey] = caller;
            if (role == CredentialRole.Terminal && !context.Method.EndsWith("/SubmitTransactions", StringComparison.Ordinal))
            {
                guard.Limit(caller, 1);
            }

            await next(context).ConfigureAwait(false);
        }
    }
}
