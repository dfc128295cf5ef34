using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PosAgent.Rpc.Internal;

/// <summary>What every method handler of one application shares.</summary>
internal sealed class ServerHandlerOptions(GrpcServerOptions options, ILogger logger, TimeProvider timeProvider, IReadOnlyList<IServerInterceptor> interceptors)
{
    public GrpcServerOptions Options { get; } = options;

    public ILogger Logger { get; } = logger;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public IReadOnlyList<IServerInterceptor> Interceptors { get; } = interceptors;

    public int MaxReceiveMessageSize => Options.MaxReceiveMessageSize;

    public int MaxSendMessageSize => Options.MaxSendMessageSize;
}

/// <summary>A method of a built service, waiting for the server's options to become a handler.</summary>
internal sealed record ServerMethodBinding(string Path, MethodType Type, Func<ServerHandlerOptions, IReadOnlyList<IServerInterceptor>, ServerMethodHandler> CreateHandler);

/// <summary>
/// The endpoint of one method: checks the request is gRPC, runs interceptors and the handler, maps the
/// outcome to a status and writes it (trailers-only when nothing else was sent).
/// </summary>
internal abstract class ServerMethodHandler
{
    private readonly Func<ServerCallContext, Task> _pipeline;

    protected ServerMethodHandler(string path, MethodType type, ServerHandlerOptions options, IReadOnlyList<IServerInterceptor>? interceptors)
    {
        Path = path;
        Type = type;
        HandlerOptions = options;
        Func<ServerCallContext, Task> pipeline = InvokeAsync;
        if (interceptors is not null)
        {
            for (var i = interceptors.Count - 1; i >= 0; i--)
            {
                var interceptor = interceptors[i];
                var next = pipeline;
                pipeline = context => interceptor.InterceptAsync(context, next);
            }
        }

        _pipeline = pipeline;
    }

    public string Path { get; }

    public MethodType Type { get; }

    public ServerHandlerOptions HandlerOptions { get; }

    public ServerHandlerOptions Options => HandlerOptions;

    public async Task HandleAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // An HTTP/1.x client reached a TLS endpoint that also speaks HTTP/1.1: tell it what to use.
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2";
            response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusToString(StatusCode.Internal);
            response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage($"Request protocol '{request.Protocol}' is not supported: gRPC needs HTTP/2.");
            return;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusToString(StatusCode.Internal);
            response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage($"Content-Type '{request.ContentType}' is not supported: gRPC needs 'application/grpc'.");
            return;
        }

        response.ContentType = GrpcProtocol.ContentType;
        using var state = new ServerCallState(httpContext, this);
        var failure = state.Initialize(HandlerOptions.Options, HandlerOptions.TimeProvider);
        if (failure is { } early)
        {
            state.WriteStatus(early, null);
            return;
        }

        var context = new ServerCallContext(state);
        state.Context = context;
        Status status;
        Metadata? extraTrailers = null;
        try
        {
            await _pipeline(context).ConfigureAwait(false);
            status = context.Status;
        }
        catch (RpcException ex)
        {
            status = ex.Status;
            extraTrailers = ex.Trailers;
            if (status.StatusCode == StatusCode.Internal || status.StatusCode == StatusCode.Unknown)
            {
                GrpcServerLog.CallFailedWithStatus(HandlerOptions.Logger, Path, status.StatusCode, status.Detail);
            }
        }
        catch (Exception ex) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            // The caller cancelled or went away: there is nobody to send a status to.
            GrpcServerLog.CallAborted(HandlerOptions.Logger, Path, ex.GetType().Name);
            return;
        }
        catch (OperationCanceledException) when (state.DeadlineExceeded)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        catch (Exception ex)
        {
            GrpcServerLog.UnhandledException(HandlerOptions.Logger, Path, ex);
            var detail = HandlerOptions.Options.EnableDetailedErrors
                ? $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}"
                : "Exception was thrown by handler.";
            status = new Status(StatusCode.Internal, detail);
        }

        if (httpContext.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var trailers = context.HasResponseTrailers ? context.ResponseTrailers : null;
        if (extraTrailers is { Count: > 0 })
        {
            trailers ??= [];
            foreach (var entry in extraTrailers)
            {
                trailers.Add(entry);
            }
        }

        state.WriteStatus(status, trailers);
    }

    /// <summary>Reads the request(s), runs the handler, writes the response(s).</summary>
    protected abstract Task InvokeAsync(ServerCallContext context);

    protected static ServerCallState StateOf(ServerCallContext context) => context.State;

    protected static void CheckResponse(IMessage? response)
    {
        if (response is null)
        {
            throw new InvalidOperationException("The handler returned a null response message.");
        }
    }
}

internal sealed class UnaryMethodHandler<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler, ServerHandlerOptions options, IReadOnlyList<IServerInterceptor>? interceptors)
    : ServerMethodHandler(method.Path, MethodType.Unary, options, interceptors)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override async Task InvokeAsync(ServerCallContext context)
    {
        var state = StateOf(context);
        var request = await state.ReadSingleMessageAsync(method.RequestParser).ConfigureAwait(false);
        var response = await handler(request, context).ConfigureAwait(false);
        CheckResponse(response);
        await state.WriteMessageAsync(response, flush: false, context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler, ServerHandlerOptions options, IReadOnlyList<IServerInterceptor>? interceptors)
    : ServerMethodHandler(method.Path, MethodType.ServerStreaming, options, interceptors)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override async Task InvokeAsync(ServerCallContext context)
    {
        var state = StateOf(context);
        var request = await state.ReadSingleMessageAsync(method.RequestParser).ConfigureAwait(false);
        await handler(request, new ServerStreamWriter<TResponse>(state), context).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingMethodHandler<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler, ServerHandlerOptions options, IReadOnlyList<IServerInterceptor>? interceptors)
    : ServerMethodHandler(method.Path, MethodType.ClientStreaming, options, interceptors)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override async Task InvokeAsync(ServerCallContext context)
    {
        var state = StateOf(context);
        var response = await handler(new ServerStreamReader<TRequest>(state, method.RequestParser), context).ConfigureAwait(false);
        CheckResponse(response);
        await state.WriteMessageAsync(response, flush: false, context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingMethodHandler<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler, ServerHandlerOptions options, IReadOnlyList<IServerInterceptor>? interceptors)
    : ServerMethodHandler(method.Path, MethodType.DuplexStreaming, options, interceptors)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    protected override Task InvokeAsync(ServerCallContext context)
    {
        var state = StateOf(context);
        return handler(new ServerStreamReader<TRequest>(state, method.RequestParser), new ServerStreamWriter<TResponse>(state), context);
    }
}

/// <summary>A method the service (or server) does not implement: UNIMPLEMENTED, without running interceptors.</summary>
internal sealed class UnimplementedMethodHandler(string path, string detail, ServerHandlerOptions options)
    : ServerMethodHandler(path, MethodType.Unary, options, interceptors: null)
{
    protected override Task InvokeAsync(ServerCallContext context) => throw new RpcException(StatusCode.Unimplemented, detail);
}

internal sealed class ServerStreamWriter<T>(ServerCallState state) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var token = cancellationToken.CanBeCanceled ? cancellationToken : state.CancellationToken;
        return state.WriteMessageAsync(message, flush: true, token).AsTask();
    }
}

internal sealed class ServerStreamReader<T>(ServerCallState state, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;
    private bool _completed;

    public T Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first and check it returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return false;
        }

        var token = cancellationToken.CanBeCanceled ? cancellationToken : state.CancellationToken;
        _current = await state.ReadMessageAsync(parser, token).ConfigureAwait(false);
        _completed = _current is null;
        return !_completed;
    }
}
