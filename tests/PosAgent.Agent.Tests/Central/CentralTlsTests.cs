using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Agent.Internal.Central;
using PosAgent.Central;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Central;

/// <summary>
/// The agent reaching a real central over TLS (Kestrel on loopback, certificates made here): a
/// refused certificate is reported by what is wrong with it, not "see inner exception" (#18).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CentralTlsTests : IDisposable
{
    private readonly TempDirectory _dir = new("pa-tls-");
    private readonly X509Certificate2 _ca = MakeCa("CN=PosAgent Test Operator CA");

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Call_CertificateFromTheConfiguredCa_Succeeds()
    {
        await using var central = await StartCentralAsync(IssueServer(_ca, ip: IPAddress.Loopback));
        using var client = new GrpcCentralClient(central.Addresses[0], token: null, WritePem("ca.pem", _ca));

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ListProgramsAsync(new ListProgramsRequest(), CancellationToken.None).WithTimeout());

        // The handshake held: the central itself answered (no token).
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Call_CertificateFromAnotherCa_SaysNotTrustedByTheConfiguredCa()
    {
        using var otherCa = MakeCa("CN=Somebody Else CA");
        await using var central = await StartCentralAsync(IssueServer(otherCa, ip: IPAddress.Loopback));
        var caPath = WritePem("ca.pem", _ca);
        using var client = new GrpcCentralClient(central.Addresses[0], token: null, caPath);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ListProgramsAsync(new ListProgramsRequest(), CancellationToken.None).WithTimeout());

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains($"it is not signed by the CA in '{caPath}' (certificate not trusted)", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("issued by 'CN=Somebody Else CA'", ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_CertificateForAnotherName_SaysNameMismatch()
    {
        await using var central = await StartCentralAsync(IssueServer(_ca, dns: "central.example"));
        using var client = new GrpcCentralClient(central.Addresses[0], token: null, WritePem("ca.pem", _ca));

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ListProgramsAsync(new ListProgramsRequest(), CancellationToken.None).WithTimeout());

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("it is for 'central.example', not '127.0.0.1' (name mismatch", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ExpiredCertificate_SaysWhenItExpired()
    {
        var notAfter = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await using var central = await StartCentralAsync(IssueServer(_ca, ip: IPAddress.Loopback, notAfter: notAfter));
        using var client = new GrpcCentralClient(central.Addresses[0], token: null, WritePem("ca.pem", _ca));

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.ListProgramsAsync(new ListProgramsRequest(), CancellationToken.None).WithTimeout());

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("it expired on 2025-03-01 12:00 UTC", ex.Status.Detail, StringComparison.Ordinal);
    }

    private async Task<CentralServer> StartCentralAsync(X509Certificate2 server)
    {
        var certPath = WritePem("central.crt", server);
        var keyPath = _dir.File("central.key");
        using (var key = server.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var options = new CentralOptions { Store = _dir.File("central.db"), StateDirectory = _dir.Path, JobInterval = TimeSpan.Zero, ProgramsDirectory = null, TlsCertificatePath = certPath, TlsKeyPath = keyPath };
        options.Urls.Add("https://127.0.0.1:0");
        server.Dispose();
        return await CentralServer.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance).WithTimeout(TimeSpan.FromSeconds(60));
    }

    private string WritePem(string name, X509Certificate2 certificate)
    {
        var path = _dir.File(name);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private static X509Certificate2 MakeCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddYears(-5), now.AddYears(5));
    }

    private static X509Certificate2 IssueServer(X509Certificate2 ca, IPAddress? ip = null, string? dns = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=posagent-central", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (ip is not null)
        {
            san.AddIpAddress(ip);
        }

        if (dns is not null)
        {
            san.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var until = notAfter ?? DateTimeOffset.UtcNow.AddYears(1);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, until.AddYears(-2), until, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
