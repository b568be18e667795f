using System.Security.Cryptography;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Crypto;
using static CertConnector.Adapters.Tests.Common.CaTestSupport;

namespace CertConnector.Adapters.Tests.Ca;

/// <summary>The connector key beside the CA keys: generated once (encrypted at rest), loaded after, imported from PEM, or absent.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConnectorKeyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Generated_on_the_first_start_encrypted_at_rest_issued_by_the_ca_and_the_same_after_a_restart()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var first = ca.OpenConnectorKey(new ConnectorKeyOptions())!;
        Assert.Equal(3072, first.KeySize);
        Assert.True(PublicKeys.IsSignedBy(first.Certificate, ca.CaCertificate.SubjectPublicKeyInfo));
        var keyFile = File.ReadAllText(Path.Combine(_dir.Path, "connector.key.p8"));
        Assert.Contains("ENCRYPTED PRIVATE KEY", keyFile);
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(_dir.Path, "connector.key.p8")), 8));

        var again = BuiltInCa.OpenOrCreate(Options(_dir.Path)).OpenConnectorKey(new ConnectorKeyOptions { KeySpec = "rsa:2048" })!;
        Assert.Equal(first.Fingerprint, again.Fingerprint);
        Assert.Equal(first.PublicKeyPem, again.PublicKeyPem);
    }

    [Fact]
    public void Without_a_stored_key_and_with_generation_off_there_is_none()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        Assert.Null(ca.OpenConnectorKey(new ConnectorKeyOptions { Generate = false }));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "connector.key.p8")));
    }

    [Fact]
    public void An_encrypted_pem_key_is_imported_on_the_first_start()
    {
        using var rsa = RSA.Create(2048);
        var pem = _dir.File("import.pem");
        File.WriteAllText(pem, rsa.ExportEncryptedPkcs8PrivateKeyPem("import-pass",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));

        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var key = ca.OpenConnectorKey(new ConnectorKeyOptions { ImportPem = pem, ImportPassword = "import-pass" })!;

        Assert.Equal(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), Convert.ToBase64String(key.Certificate.SubjectPublicKeyInfo.GetDerEncoded()));
    }
}
