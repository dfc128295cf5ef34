using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;

namespace PosAgent.Hosting;

/// <summary>
/// The last reason a channel refused a server's certificate. .NET reports a refused certificate as
/// "The SSL connection could not be established, see inner exception"; the reason is only known
/// inside the validation callback, so it is kept here for the caller to put in its message.
/// </summary>
public sealed class TlsFailures
{
    private volatile string? _last;

    /// <summary>Why the last certificate was refused, e.g. "... is not signed by the CA in '/etc/posagent/ca.pem'".</summary>
    public string? Last => _last;

    /// <summary>True when <paramref name="exception"/> (or what it wraps) is a failed TLS handshake.</summary>
    public static bool IsHandshakeFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException || (e is RpcException rpc && IsHandshakeFailure(rpc.Status.DebugException)))
            {
                return true;
            }
        }

        return false;
    }

    internal void Record(string reason) => _last = reason;
}

/// <summary>Says in words why a server certificate was refused: whose it is, and what is wrong with it.</summary>
internal static class TlsDiagnosis
{
    public static string Explain(X509Certificate2? certificate, SslPolicyErrors errors, X509Certificate2? trustedRoot, string? trustedRootSource, string? host, DateTimeOffset now)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "TLS: the server sent no certificate";
        }

        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add($"it is for {string.Join(", ", Names(certificate))}, not '{host}' (name mismatch: connect by one of those names or reissue the certificate)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            problems.AddRange(ChainProblems(certificate, trustedRoot, trustedRootSource, now));
        }

        if (problems.Count == 0)
        {
            problems.Add(errors.ToString());
        }

        return $"TLS: the server's certificate '{certificate.Subject}' (issued by '{certificate.Issuer}') was refused: {string.Join("; ", problems)}";
    }

    private static IEnumerable<string> ChainProblems(X509Certificate2 certificate, X509Certificate2? trustedRoot, string? trustedRootSource, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (trustedRoot is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(trustedRoot);
        }

        chain.Build(certificate);
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            yield return now.UtcDateTime > certificate.NotAfter.ToUniversalTime()
                ? $"it expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
                : $"it is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
        }

        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            yield return trustedRoot is not null
                ? $"it is not signed by the CA in {trustedRootSource ?? "the configured CA certificate"} (certificate not trusted)"
                : "it is not signed by a CA this machine trusts (certificate not trusted; give the operator's CA certificate)";
        }

        var other = flags & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain);
        if (other != X509ChainStatusFlags.NoError)
        {
            yield return $"chain: {other}";
        }
    }

    private static IEnumerable<string> Names(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames().Select(n => $"'{n}'"));
                names.AddRange(san.EnumerateIPAddresses().Select(a => $"'{a}'"));
            }
        }

        if (names.Count == 0)
        {
            names.Add($"'{certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)}'");
        }

        return names;
    }
}
