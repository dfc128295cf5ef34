using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PosAgent.Rpc.Testing;
using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests;

/// <summary>TLS with ALPN h2 and client certificates, on a real Kestrel listener.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private WebApplication _app = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.ListenGrpcTls(IPAddress.Loopback, _port, new GrpcTlsOptions
        {
            ServerCertificate = _certificates.Server,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (certificate, _, _) => _certificates.IsIssuedByCa(certificate),
        }));
        builder.Services.AddGrpcRpc();
        _app = builder.Build();
        _app.MapGrpcService(new GrpcServiceBuilder(Descriptors.TestService)
            .Unary<SimpleRequest, SimpleResponse>("UnaryCall", (_, context) =>
                Task.FromResult(new SimpleResponse { Username = context.ClientCertificate?.Subject ?? "anonymous" }))
            .Build());
        await _app.StartAsync().WithTimeout();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync();
        _certificates.Dispose();
    }

    [Fact]
    public async Task Unary_WithClientCertificate_HandlerSeesSubject()
    {
        using var channel = GrpcChannel.ForAddress($"https://localhost:{_port}", new GrpcChannelOptions
        {
            ClientCertificate = _certificates.Client,
            ServerCertificateValidation = (_, certificate, _, _) => certificate is not null && _certificates.IsIssuedByCa(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate)),
        });

        var response = await channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest()).WithTimeout();

        Assert.Equal("CN=terminal-0042", response.Username);
    }

    [Fact]
    public async Task Unary_WithoutClientCertificate_Anonymous()
    {
        using var channel = GrpcChannel.ForAddress($"https://localhost:{_port}", new GrpcChannelOptions
        {
            ServerCertificateValidation = (_, certificate, _, _) => certificate is not null,
        });

        var response = await channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest()).WithTimeout();

        Assert.Equal("anonymous", response.Username);
    }

    [Fact]
    public async Task Unary_ServerCertificateNotTrusted_Unavailable()
    {
        using var channel = GrpcChannel.ForAddress($"https://localhost:{_port}");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Descriptors.UnaryCall, new SimpleRequest())).WithTimeout();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Http11Client_OnTlsPort_Gets426()
    {
        using var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler);
        using var content = new ByteArrayContent(new byte[5]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");

        using var response = await http.PostAsync(new Uri($"https://localhost:{_port}/grpc.testing.TestService/UnaryCall"), content).WithTimeout();

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
