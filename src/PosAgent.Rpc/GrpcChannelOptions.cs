using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace PosAgent.Rpc;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, in bytes (after decompression); larger ends the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent, in bytes; larger fails the call with RESOURCE_EXHAUSTED before sending. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>The certificate (with private key) presented to a TLS server that asks for one. Default null.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// Checks the server's certificate (e.g. against a private CA); null uses the machine's trust store.
    /// Default null.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Idle time before an HTTP/2 PING checks the connection is alive. Default 60 s; <see cref="Timeout.InfiniteTimeSpan"/> turns pings off.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a keep-alive PING may wait for its answer before the connection is dropped. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed to open a connection (TCP, Unix socket, TLS). Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether more HTTP/2 connections open when one reaches the server's stream limit (100 for Kestrel). Default true.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>Compression of request messages: "gzip" or null (none). A call's <see cref="CallOptions.WriteCompression"/> overrides it. Default null.</summary>
    public string? RequestCompression { get; set; }

    /// <summary>
    /// A handler to send requests through instead of the channel's own SocketsHttpHandler (e.g. TestServer's).
    /// The TLS, keep-alive and connection options above then do not apply. Default null.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>. Default true.</summary>
    public bool DisposeHttpHandler { get; set; } = true;

    /// <summary>The clock for deadlines. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>For the channel's logs. Default null (no logs).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid option.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (MaxReceiveMessageSize <= 0)
        {
            problems.Add($"MaxReceiveMessageSize must be positive (was {MaxReceiveMessageSize}).");
        }

        if (MaxSendMessageSize <= 0)
        {
            problems.Add($"MaxSendMessageSize must be positive (was {MaxSendMessageSize}).");
        }

        if (KeepAlivePingDelay != Timeout.InfiniteTimeSpan && KeepAlivePingDelay < TimeSpan.FromSeconds(1))
        {
            problems.Add($"KeepAlivePingDelay must be at least 1 s or infinite (was {KeepAlivePingDelay}).");
        }

        if (KeepAlivePingTimeout <= TimeSpan.Zero && KeepAlivePingTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"KeepAlivePingTimeout must be positive (was {KeepAlivePingTimeout}).");
        }

        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"ConnectTimeout must be positive (was {ConnectTimeout}).");
        }

        if (RequestCompression is not null && !Internal.GrpcProtocol.IsGzip(RequestCompression) && !Internal.GrpcProtocol.IsIdentity(RequestCompression))
        {
            problems.Add($"RequestCompression must be \"gzip\", \"identity\" or null (was \"{RequestCompression}\").");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must not be null.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid GrpcChannelOptions: " + string.Join(" ", problems));
        }
    }
}

/// <summary>Per-call options.</summary>
public readonly record struct CallOptions
{
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>Custom metadata sent with the request.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>When the call must be over (UTC). Sent as grpc-timeout; the client also stops waiting then (DEADLINE_EXCEEDED).</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>A deadline relative to the call's start; the earlier of this and <see cref="Deadline"/> applies.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Cancels the call (the server sees RST_STREAM CANCEL); the caller gets <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Compression of this call's request messages ("gzip" or "identity"); null uses the channel's.</summary>
    public string? WriteCompression { get; init; }
}
