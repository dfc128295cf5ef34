using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Storage;

/// <summary>The service refuses to start with a private key every user of the machine can read.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TlsKeyModeTests
{
    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, false)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, true)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, true)]
    public void Validate_KeyMode_WorldReadableRefusedNamingTheFile(UnixFileMode mode, bool accepted)
    {
        using var dir = new TempDirectory("pa-tlsmode-");
        var cert = dir.File("central.crt");
        var key = dir.File("central.key");
        File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
        File.SetUnixFileMode(key, mode);
        var options = new CentralOptions { StateDirectory = dir.Path, TlsCertificatePath = cert, TlsKeyPath = key };

        if (accepted)
        {
            options.Validate();
        }
        else
        {
            var error = Assert.Throws<ArgumentException>(options.Validate);
            Assert.Contains($"the TLS private key '{key}' is readable by every user (mode 644)", error.Message, StringComparison.Ordinal);
        }
    }
}
