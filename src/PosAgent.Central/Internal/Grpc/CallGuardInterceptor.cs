using Grpc.Core;
using Grpc.Core.Interceptors;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Grpc;

/// <summary>
/// One per service: authenticates the call for <paramref name="role"/> before the handler runs and
/// maps what the handler throws to a status (<see cref="CallGuard"/>).
/// </summary>
internal sealed class CallGuardInterceptor(CallGuard guard, CredentialRole role) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await guard.AuthenticateAsync(context, role).ConfigureAwait(false);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (guard.ToRpc(context, ex) is { } status)
        {
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await guard.AuthenticateAsync(context, role).ConfigureAwait(false);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (guard.ToRpc(context, ex) is { } status)
        {
            throw status;
        }
    }
}
