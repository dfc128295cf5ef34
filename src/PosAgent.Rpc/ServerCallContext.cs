using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using PosAgent.Rpc.Internal;

namespace PosAgent.Rpc;

/// <summary>What a server handler knows about its call, and how it shapes the response's metadata.</summary>
public sealed class ServerCallContext
{
    private readonly ServerCallState _state;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;

    internal ServerCallContext(ServerCallState state) => _state = state;

    internal ServerCallState State => _state;

    /// <summary>The method's path, e.g. "/grpc.testing.TestService/UnaryCall".</summary>
    public string Method => _state.Method.Path;

    /// <summary>The caller's address: "ipv4:127.0.0.1:50000", "ipv6:[::1]:50000" or "unix:".</summary>
    public string Peer
    {
        get
        {
            var connection = _state.HttpContext.Connection;
            var ip = connection.RemoteIpAddress;
            if (ip is null)
            {
                return "unix:";
            }

            return ip.AddressFamily == AddressFamily.InterNetworkV6
                ? string.Create(CultureInfo.InvariantCulture, $"ipv6:[{ip}]:{connection.RemotePort}")
                : string.Create(CultureInfo.InvariantCulture, $"ipv4:{ip}:{connection.RemotePort}");
        }
    }

    /// <summary>The :authority the caller addressed.</summary>
    public string Host => _state.HttpContext.Request.Host.Value ?? string.Empty;

    /// <summary>When the call must end (UTC), from the caller's grpc-timeout; <see cref="DateTime.MaxValue"/> if none.</summary>
    public DateTime Deadline => _state.Deadline;

    /// <summary>The caller's custom metadata (protocol headers such as grpc-timeout left out).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ServerCallState.ReadRequestHeaders(_state.HttpContext.Request.Headers);

    /// <summary>Metadata sent after the last response message, with the status.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= [];

    internal bool HasResponseTrailers => _responseTrailers is { Count: > 0 };

    /// <summary>Fires when the caller cancels, the connection drops or the deadline passes.</summary>
    public CancellationToken CancellationToken => _state.CancellationToken;

    /// <summary>The status the call ends with when the handler returns normally (OK by default).</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    /// <summary>The ASP.NET Core request behind the call.</summary>
    public HttpContext HttpContext => _state.HttpContext;

    /// <summary>The certificate the client presented on a TLS connection, if any.</summary>
    public X509Certificate2? ClientCertificate => _state.HttpContext.Connection.ClientCertificate;

    /// <summary>Per-call storage shared by interceptors and the handler.</summary>
    public IDictionary<object, object?> Items => _state.HttpContext.Items;

    /// <summary>
    /// The compression for response messages ("gzip" or null for none). Starts as the server's
    /// <see cref="GrpcServerOptions.ResponseCompressionAlgorithm"/> when the caller accepts it;
    /// a handler may change it before the first message.
    /// </summary>
    public string? ResponseCompression
    {
        get => _state.ResponseCompression;
        set
        {
            if (value is not null && !GrpcProtocol.IsGzip(value) && !GrpcProtocol.IsIdentity(value))
            {
                throw new ArgumentException($"Compression '{value}' is not supported; use \"gzip\" or null.", nameof(value));
            }

            _state.ResponseCompression = GrpcProtocol.IsIdentity(value) ? null : value;
        }
    }

    /// <summary>Whether the next response messages are compressed (with <see cref="ResponseCompression"/> set). Default true.</summary>
    public bool CompressResponses { get; set; } = true;

    /// <summary>Whether the last request message read arrived compressed.</summary>
    public bool RequestMessageCompressed => _state.LastRequestCompressed;

    /// <summary>Sends the response headers now, with this metadata. At most once, before any message.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders) => _state.WriteResponseHeadersAsync(responseHeaders, CancellationToken);
}
