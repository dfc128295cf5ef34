using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>The same listeners and client handlers for every .NET stack, so only the stacks differ.</summary>
internal static class Transports
{
    public const string Tcp = "TCP";
    public const string UnixSocket = "Unix socket";

    /// <summary>A Kestrel app with h2c on 127.0.0.1 (a free port) and on a Unix socket, logging off.</summary>
    public static WebApplicationBuilder CreateServerBuilder(string socketPath)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Without TLS there is no ALPN: Http2 alone means HTTP/2 with prior knowledge (h2c).
            kestrel.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
            kestrel.ListenUnixSocket(socketPath, l => l.Protocols = HttpProtocols.Http2);
        });
        return builder;
    }

    public static Uri TcpAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The client side for grpc-dotnet and bare HttpClient: what grpc-dotnet's own default handler sets
    /// (several HTTP/2 connections allowed, no proxy: everything here is local), plus a Unix socket
    /// connect when <paramref name="unixSocketPath"/> is given.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(string? unixSocketPath)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        if (unixSocketPath is not null)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(unixSocketPath), cancellationToken);
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

    /// <summary>Unix socket clients still need an http:// authority; Kestrel ignores it.</summary>
    public static readonly Uri UnixSocketAuthority = new("http://localhost");
}
