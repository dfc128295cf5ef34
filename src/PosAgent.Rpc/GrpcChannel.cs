using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Google.Protobuf;
using PosAgent.Rpc.Internal;

namespace PosAgent.Rpc;

/// <summary>
/// A client connection to a gRPC server: HTTP/2 over SocketsHttpHandler (h2c for http://, TLS with ALPN
/// h2 for https://, or a Unix socket), multiple connections, keep-alive pings. Thread-safe; create one per
/// server and keep it for the life of the process.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    internal const string UserAgent = "posagent-grpc/1.0";

    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);
    private readonly bool _disposeHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options, HttpMessageHandler handler, bool disposeHandler)
    {
        Address = address;
        Options = options;
        Invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        Handler = handler;
        _disposeHandler = disposeHandler;
    }

    /// <summary>The server's base address.</summary>
    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    private HttpMessageHandler Handler { get; }

    /// <summary>A channel to http://host:port (h2c) or https://host:port (TLS).</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address ?? throw new ArgumentNullException(nameof(address)), UriKind.Absolute), options);

    /// <summary>A channel to http://host:port (h2c) or https://host:port (TLS).</summary>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Address '{address}' must be an absolute http:// (h2c) or https:// (TLS) URI.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        options.Validate();
        if (options.HttpHandler is { } custom)
        {
            return new GrpcChannel(address, options, custom, options.DisposeHttpHandler);
        }

        return new GrpcChannel(address, options, CreateHandler(options, unixSocketPath: null), disposeHandler: true);
    }

    /// <summary>A channel to a server listening on a Unix domain socket (h2c).</summary>
    public static GrpcChannel ForUnixSocket(string socketPath, GrpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        options ??= new GrpcChannelOptions();
        options.Validate();
        return new GrpcChannel(new Uri("http://localhost"), options, CreateHandler(options, Path.GetFullPath(socketPath)), disposeHandler: true);
    }

    /// <summary>A unary call: one request, one response. Throws <see cref="RpcException"/> for a status other than OK.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        using var call = new ClientCall<TRequest, TResponse>(this, method, options, needsOwnCancellation: false);
        call.StartUnaryRequest(request);
        return await call.UnaryResponseAsync().ConfigureAwait(false);
    }

    /// <summary>A unary call by name ("package.Service/Method").</summary>
    public Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        UnaryAsync(GrpcMethod.Create<TRequest, TResponse>(MethodType.Unary, method), request, options);

    /// <summary>A unary call whose response headers, status and trailers can be read too. Dispose it when done.</summary>
    public UnaryCall<TResponse> StartUnary<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = new ClientCall<TRequest, TResponse>(this, method, options, needsOwnCancellation: true);
        try
        {
            call.StartUnaryRequest(request);
            return new UnaryCall<TResponse>(call.UnaryResponseAsync(), call.GetResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>One request, a stream of responses. Dispose the call when done (disposing early cancels it).</summary>
    public ServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = new ClientCall<TRequest, TResponse>(this, method, options, needsOwnCancellation: true);
        try
        {
            call.StartUnaryRequest(request);
            return new ServerStreamingCall<TResponse>(new ClientResponseStream<TRequest, TResponse>(call), call.GetResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>One request, the responses as an async sequence (the call ends when the loop does).</summary>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var call = ServerStreaming(method, request, options);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    /// <summary>A stream of requests, one response. Write, then CompleteAsync, then await ResponseAsync.</summary>
    public ClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = new ClientCall<TRequest, TResponse>(this, method, options, needsOwnCancellation: true);
        try
        {
            call.StartStreamingRequest();
            var response = ResponseAfterStart(call);
            return new ClientStreamingCall<TRequest, TResponse>(new ClientRequestStream<TRequest, TResponse>(call), response, call.GetResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>Streams both ways. Dispose the call when done (disposing early cancels it).</summary>
    public DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = new ClientCall<TRequest, TResponse>(this, method, options, needsOwnCancellation: true);
        try
        {
            call.StartStreamingRequest();
            return new DuplexStreamingCall<TRequest, TResponse>(new ClientRequestStream<TRequest, TResponse>(call), new ClientResponseStream<TRequest, TResponse>(call), call.GetResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Invoker.Dispose();
        if (_disposeHandler)
        {
            Handler.Dispose();
        }
    }

    internal Uri GetUri(string path) => _uris.GetOrAdd(path, static (p, baseUri) => new Uri(baseUri, p), Address);

    private static Task<TResponse> ResponseAfterStart<TRequest, TResponse>(ClientCall<TRequest, TResponse> call)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() => call.UnaryResponseAsync();

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options, string? unixSocketPath)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            // Local terminals and central servers are reached directly, never through an HTTP proxy.
            UseProxy = false,
        };

        var ssl = handler.SslOptions;
        ssl.ApplicationProtocols = [SslApplicationProtocol.Http2];
        ssl.EnabledSslProtocols = SslProtocols.None;
        if (options.ClientCertificate is { } certificate)
        {
            ssl.ClientCertificates = [certificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        if (options.ServerCertificateValidation is { } validate)
        {
            ssl.RemoteCertificateValidationCallback = validate;
        }

        if (unixSocketPath is not null)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(unixSocketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }
}
