using System.Runtime.CompilerServices;
using Google.Protobuf;
using PosAgent.Rpc.Internal;

namespace PosAgent.Rpc;

/// <summary>What every call shape shares: response headers, final status and trailers, and Dispose (cancels an unfinished call).</summary>
public abstract class ClientCallBase : IDisposable
{
    private readonly Func<Task<Metadata>> _headers;
    private readonly Func<Status> _status;
    private readonly Func<Metadata> _trailers;
    private readonly Action _dispose;

    private protected ClientCallBase(Func<Task<Metadata>> headers, Func<Status> status, Func<Metadata> trailers, Action dispose)
    {
        _headers = headers;
        _status = status;
        _trailers = trailers;
        _dispose = dispose;
    }

    /// <summary>The response headers (custom metadata only), once they arrive.</summary>
    public Task<Metadata> ResponseHeadersAsync => _headers();

    /// <summary>The final status; throws InvalidOperationException before the call finished.</summary>
    public Status GetStatus() => _status();

    /// <summary>The trailers; throws InvalidOperationException before the call finished.</summary>
    public Metadata GetTrailers() => _trailers();

    public void Dispose()
    {
        _dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A unary call in progress. Awaitable.</summary>
public sealed class UnaryCall<TResponse> : ClientCallBase
{
    internal UnaryCall(Task<TResponse> response, Func<Task<Metadata>> headers, Func<Status> status, Func<Metadata> trailers, Action dispose)
        : base(headers, status, trailers, dispose) => ResponseAsync = response;

    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();
}

/// <summary>A server-streaming call in progress.</summary>
public sealed class ServerStreamingCall<TResponse> : ClientCallBase
{
    internal ServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, Func<Task<Metadata>> headers, Func<Status> status, Func<Metadata> trailers, Action dispose)
        : base(headers, status, trailers, dispose) => ResponseStream = responseStream;

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}

/// <summary>A client-streaming call in progress.</summary>
public sealed class ClientStreamingCall<TRequest, TResponse> : ClientCallBase
{
    internal ClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> response, Func<Task<Metadata>> headers, Func<Status> status, Func<Metadata> trailers, Action dispose)
        : base(headers, status, trailers, dispose)
    {
        RequestStream = requestStream;
        ResponseAsync = response;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public Task<TResponse> ResponseAsync { get; }

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();
}

/// <summary>A duplex-streaming call in progress.</summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : ClientCallBase
{
    internal DuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IAsyncStreamReader<TResponse> responseStream, Func<Task<Metadata>> headers, Func<Status> status, Func<Metadata> trailers, Action dispose)
        : base(headers, status, trailers, dispose)
    {
        RequestStream = requestStream;
        ResponseStream = responseStream;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}

internal sealed class ClientResponseStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private TResponse? _current;

    public TResponse Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first and check it returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }
}

internal sealed class ClientRequestStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default) => call.WriteAsync(message, cancellationToken);

    public Task CompleteAsync() => call.CompleteRequestAsync();
}
