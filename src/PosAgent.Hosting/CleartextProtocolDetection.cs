using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using System.Security.Cryptography.X509Certificates;

namespace PosAgent.Hosting;

/// <summary>
/// HTTP/1.1 and HTTP/2 (prior knowledge, as gRPC clients speak h2c) on one cleartext listener.
/// Kestrel 10 picks HTTP/1.1 for every cleartext connection of an Http1AndHttp2 endpoint, since
/// there is no ALPN to tell (dotnet/aspnetcore#56984; the fix, #67782, sniffs the preface inside
/// Kestrel and is not released). Until then this connection middleware reads the first bytes: the
/// 24-byte HTTP/2 connection preface marks the connection as ALPN "h2", which is the only signal
/// Kestrel's protocol selection reads; anything else goes on as HTTP/1.1, its bytes untouched.
/// Kestrel sees such an h2c connection as TLS, so the listener's server must accept the
/// request's own :scheme (<see cref="KestrelServerOptions.AllowAlternateSchemes"/>), else it
/// refuses "http" as not matching "https".
/// </summary>
public static class CleartextProtocolDetection
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>How long a new connection may stay silent before it is handed to HTTP/1.1 (and its own timeouts). Default 10 s.</summary>
    public static TimeSpan FirstBytesTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Serves HTTP/1.1 and prior-knowledge HTTP/2 on this cleartext listener.</summary>
    public static ListenOptions UseHttp1AndHttp2PriorKnowledge(this ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        listen.Use(next => async connection =>
        {
            if (await StartsWithPrefaceAsync(connection).ConfigureAwait(false))
            {
                connection.Features.Set<ITlsConnectionFeature>(new NoTls());
                connection.Features.Set<ITlsApplicationProtocolFeature>(new AlpnH2());
            }

            await next(connection).ConfigureAwait(false);
        });
        return listen;
    }

    /// <summary>Reads (without consuming) until the bytes match or leave the preface, the peer ends, or it stays silent too long.</summary>
    private static async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var silent = new CancellationTokenSource(FirstBytesTimeout);
        await using var cancelRead = silent.Token.Register(input.CancelPendingRead).ConfigureAwait(false);
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var (matchesSoFar, whole) = Compare(buffer);
            if (!matchesSoFar || whole || result.IsCompleted || result.IsCanceled)
            {
                // Nothing consumed: the chosen protocol reads the same bytes from the start.
                input.AdvanceTo(buffer.Start);
                return matchesSoFar && whole;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static (bool MatchesSoFar, bool Whole) Compare(ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> start = stackalloc byte[Preface.Length];
        buffer.Slice(0, length).CopyTo(start);
        return (start[..length].SequenceEqual(Preface.AsSpan(0, length)), length == Preface.Length);
    }

    /// <summary>Stands in for the TLS feature so Kestrel reads the ALPN feature; there is no certificate.</summary>
    private sealed class NoTls : ITlsConnectionFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }

    private sealed class AlpnH2 : ITlsApplicationProtocolFeature
    {
        public ReadOnlyMemory<byte> ApplicationProtocol { get; } = "h2"u8.ToArray();
    }
}
