namespace PosAgent.Rpc;

/// <summary>The four kinds of gRPC method.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>Handles a unary call.</summary>
public delegate Task<TResponse> UnaryServerMethod<in TRequest, TResponse>(TRequest request, ServerCallContext context);

/// <summary>Handles a call with one request and a stream of responses.</summary>
public delegate Task ServerStreamingServerMethod<in TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>Handles a call with a stream of requests and one response.</summary>
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);

/// <summary>Handles a call with streams both ways.</summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// A hook around every call of the services it applies to: authentication, logging, metrics. It runs
/// before the request message is read, so a rejected call costs no deserialization. Throw
/// <see cref="RpcException"/> to end the call with a status; after <c>next</c> returns,
/// <see cref="ServerCallContext.Status"/> holds the status the handler set (exceptions pass through).
/// </summary>
public interface IServerInterceptor
{
    Task InterceptAsync(ServerCallContext context, Func<ServerCallContext, Task> next);
}
