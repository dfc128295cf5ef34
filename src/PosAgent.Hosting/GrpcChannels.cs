using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace PosAgent.Hosting;

/// <summary>How a channel made by <see cref="GrpcChannels"/> connects and keeps its connection alive.</summary>
public sealed class GrpcConnectionSettings
{
    /// <summary>How long opening a connection may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Idle time before an HTTP/2 PING checks the connection. Default 60 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a PING may wait for its answer before the connection is dropped. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A client certificate (with its key) for servers that ask for one. Default none.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// A private root the server's certificate must chain to (e.g. the operator's CA), in addition
    /// to the machine's trust store. Default none.
    /// </summary>
    public X509Certificate2? TrustedRoot { get; set; }

    /// <summary>Where <see cref="TrustedRoot"/> came from, for messages ("'/etc/posagent/ca.pem'"). Default none.</summary>
    public string? TrustedRootSource { get; set; }

    /// <summary>Why the last server certificate was refused (read it when a call fails its TLS handshake).</summary>
    public TlsFailures TlsFailures { get; } = new();

    /// <summary>The clock certificate dates are explained against. Default the system clock.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Largest response message accepted, in bytes. Default 16 MiB (a full program catalogue fits).</summary>
    public int MaxReceiveMessageSize { get; set; } = 16 * 1024 * 1024;
}

/// <summary>
/// grpc-dotnet channels to the product's servers: h2c or TLS on TCP, and h2c on a Unix socket
/// through <see cref="SocketsHttpHandler.ConnectCallback"/>.
/// </summary>
public static class GrpcChannels
{
    /// <summary>The authority a Unix-socket channel sends; the server listens on the socket, not on a host.</summary>
    public const string UnixSocketAuthority = "http://localhost";

    /// <summary>A channel to http://host:port (h2c) or https://host:port (TLS).</summary>
    public static GrpcChannel ForAddress(string address, GrpcConnectionSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        var uri = new Uri(address, UriKind.Absolute);
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must be an absolute http:// (h2c) or https:// (TLS) URI.", nameof(address));
        }

        settings ??= new GrpcConnectionSettings();
        return GrpcChannel.ForAddress(uri, Options(settings, CreateHandler(settings, unixSocketPath: null, uri.Host)));
    }

    /// <summary>A channel to a server listening on a Unix domain socket (h2c).</summary>
    public static GrpcChannel ForUnixSocket(string socketPath, GrpcConnectionSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        settings ??= new GrpcConnectionSettings();
        return GrpcChannel.ForAddress(UnixSocketAuthority, Options(settings, CreateHandler(settings, Path.GetFullPath(socketPath))));
    }

    /// <summary>The HTTP handler behind a channel: no proxy, pings on idle connections, the Unix socket when given.</summary>
    public static SocketsHttpHandler CreateHandler(GrpcConnectionSettings settings, string? unixSocketPath, string? host = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = settings.KeepAlivePingDelay,
            KeepAlivePingTimeout = settings.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AllowAutoRedirect = false,
            UseCookies = false,
            // Terminals and central servers are reached directly, never through an HTTP proxy.
            UseProxy = false,
        };
        var ssl = handler.SslOptions;
        ssl.EnabledSslProtocols = SslProtocols.None;
        if (settings.ClientCertificate is { } certificate)
        {
            ssl.ClientCertificates = [certificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        ssl.RemoteCertificateValidationCallback = (_, serverCertificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None || (settings.TrustedRoot is { } root && ChainsTo(root, serverCertificate, errors)))
            {
                return true;
            }

            using var leaf = serverCertificate is null ? null : X509CertificateLoader.LoadCertificate(serverCertificate.GetRawCertData());
            settings.TlsFailures.Record(TlsDiagnosis.Explain(leaf, errors, settings.TrustedRoot, settings.TrustedRootSource, host, settings.Time.GetUtcNow()));
            return false;
        };

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

    private static GrpcChannelOptions Options(GrpcConnectionSettings settings, SocketsHttpHandler handler) => new()
    {
        HttpHandler = handler,
        MaxReceiveMessageSize = settings.MaxReceiveMessageSize,
    };

    // The machine's trust store first; otherwise only a chain to the operator's root, name and dates still checked.
    private static bool ChainsTo(X509Certificate2 root, X509Certificate? serverCertificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (serverCertificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(serverCertificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
