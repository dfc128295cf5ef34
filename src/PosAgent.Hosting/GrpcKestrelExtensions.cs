using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace PosAgent.Hosting;

/// <summary>TLS settings of a gRPC listener.</summary>
public sealed class GrpcTlsOptions
{
    /// <summary>The server's certificate, with its private key. Required.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Whether clients present a certificate. Default <see cref="ClientCertificateMode.NoCertificate"/>.</summary>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>
    /// Checks a client certificate (e.g. against the terminal CA); null uses the machine's trust store.
    /// Return true to accept. Default null.
    /// </summary>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? ClientCertificateValidation { get; set; }
}

/// <summary>Kestrel listeners for gRPC: h2c on TCP, a Unix socket, and TLS with ALPN h2.</summary>
public static class GrpcKestrelExtensions
{
    /// <summary>
    /// h2c (HTTP/2 without TLS) on a TCP address. Protocols are exactly Http2: without TLS there is no
    /// ALPN, and Http1AndHttp2 would serve HTTP/1.1 only. With <paramref name="acceptHttp1"/>, HTTP/1.1
    /// too (for HTTP/JSON clients), the protocol told by the first bytes (<see cref="CleartextProtocolDetection"/>).
    /// Port 0 picks a free port.
    /// </summary>
    public static KestrelServerOptions ListenGrpc(this KestrelServerOptions kestrel, IPAddress address, int port, bool acceptHttp1 = false)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        kestrel.Listen(address, port, l => Configure(kestrel, l, acceptHttp1));
        return kestrel;
    }

    /// <summary>h2c on 127.0.0.1 (see <see cref="ListenGrpc"/>).</summary>
    public static KestrelServerOptions ListenGrpcLoopback(this KestrelServerOptions kestrel, int port) =>
        kestrel.ListenGrpc(IPAddress.Loopback, port);

    /// <summary>
    /// h2c on a Unix domain socket (and HTTP/1.1 with <paramref name="acceptHttp1"/>, as in <see cref="ListenGrpc"/>).
    /// A stale socket file left by a crashed process is removed first; the folder is created if missing.
    /// </summary>
    public static KestrelServerOptions ListenGrpcUnixSocket(this KestrelServerOptions kestrel, string socketPath, bool acceptHttp1 = false)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var full = Path.GetFullPath(socketPath);
        // A missing folder is made 0710: Kestrel binds the socket with the process umask's mode and
        // the owner narrows it only afterwards, so for that moment only the owner and the group
        // (who may traverse, not list) can reach it.
        var folder = Path.GetDirectoryName(full)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
        }

        if (File.Exists(full))
        {
            if ((File.GetAttributes(full) & FileAttributes.Directory) != 0)
            {
                throw new IOException($"Unix socket path '{full}' is a directory.");
            }

            File.Delete(full);
        }

        kestrel.ListenUnixSocket(full, l => Configure(kestrel, l, acceptHttp1));
        return kestrel;
    }

    private static void Configure(KestrelServerOptions kestrel, ListenOptions listen, bool acceptHttp1)
    {
        if (acceptHttp1)
        {
            kestrel.AllowAlternateSchemes = true;
            listen.UseHttp1AndHttp2PriorKnowledge();
        }
        else
        {
            listen.Protocols = HttpProtocols.Http2;
        }
    }

    /// <summary>
    /// TLS on a TCP address, HTTP/2 negotiated by ALPN. HTTP/1.1 is accepted too, only so that such a
    /// client gets a clear 426 answer instead of a failed handshake.
    /// </summary>
    public static KestrelServerOptions ListenGrpcTls(this KestrelServerOptions kestrel, IPAddress address, int port, GrpcTlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(tls);
        var certificate = tls.ServerCertificate ?? throw new ArgumentException("GrpcTlsOptions.ServerCertificate is required for a TLS listener.", nameof(tls));
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"The server certificate '{certificate.Subject}' has no private key.", nameof(tls));
        }

        kestrel.Listen(address, port, l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                https.ClientCertificateMode = tls.ClientCertificateMode;
                if (tls.ClientCertificateValidation is { } validate)
                {
                    https.ClientCertificateValidation = validate;
                }
            });
        });
        return kestrel;
    }
}
