using Grpc.Core;
using Grpc.Core.Interceptors;

namespace PosAgent.Agent.Internal.Api;

/// <summary>
/// The one place where the local API's <see cref="ApiError"/> becomes a status: INVALID_ARGUMENT,
/// FAILED_PRECONDITION, NOT_FOUND or UNAVAILABLE with the cashier-readable message; a write the
/// agent's database refused (disk full, I/O error) is UNAVAILABLE saying so. Anything else
/// stays an unhandled exception: grpc-dotnet logs it and the caller gets INTERNAL without details.
/// </summary>
internal sealed class ApiErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (ApiError error)
        {
            throw ToRpc(error);
        }
        catch (Exception ex) when (Storage.StoreHealth.IsStorageFailure(ex))
        {
            throw StoreFailed(ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (ApiError error)
        {
            throw ToRpc(error);
        }
        catch (Exception ex) when (Storage.StoreHealth.IsStorageFailure(ex))
        {
            throw StoreFailed(ex);
        }
    }

    /// <summary>The agent's database refused a write (disk full, I/O error): the operation was not acknowledged; retry once health is SERVING.</summary>
    public static RpcException StoreFailed(Exception ex) => new(new Status(
        StatusCode.Unavailable,
        PosAgent.Hosting.StatusDetail.Bounded($"the agent's database cannot be written ({ex.Message}); the operation was not acknowledged: retry it once the agent's health is SERVING again")));

    public static RpcException ToRpc(ApiError error) => new(new Status(error.Code switch
    {
        ApiErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        ApiErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ApiErrorCode.NotFound => StatusCode.NotFound,
        ApiErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Unavailable,
    }, PosAgent.Hosting.StatusDetail.Bounded(error.Message)));
}
