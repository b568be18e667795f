using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Ca;

namespace CertConnector.Adapters.Tests.Crypto;

public class PkcsCredentialFactoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly PkcsCredentialFactory _factory = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("rsa:2048", "rsa:2048")]
    [InlineData("ec:p256", "ec:p384")]
    public async Task Sealed_credential_opens_with_the_device_key_in_bouncycastle_and_dotnet(string deviceKey, string credentialKey)
    {
        var ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(_dir.Path));
        var (device, deviceKeyPair) = TestCertificates.Device(KeySpec.Parse(deviceKey));
        using var pending = _factory.CreateKeyAndCsr(KeySpec.Parse(credentialKey), "CN=Carol", [new SubjectAltName("email", "carol@contoso.com")]);
        var issued = await ca.IssueAsync(new IssuanceRequest("c", "pkcs", pending.CsrDer, "smime"), CancellationToken.None);

        var sealedCredential = _factory.Seal(pending, issued, device.GetEncoded());

        var password = Encoding.UTF8.GetString(CmsEnvelope.Decrypt(sealedCredential.EncryptedPassword, deviceKeyPair.Private, device));
        Assert.Matches("^[A-Za-z0-9]{32}$", password);
        var pfx = CmsEnvelope.Decrypt(sealedCredential.EncryptedPfx, deviceKeyPair.Private, device);

        // .NET's own PKCS#12 reader (checks the SHA-256 MAC and PBES2) finds the key and certificate.
        using var loaded = X509CertificateLoader.LoadPkcs12(pfx, password, X509KeyStorageFlags.EphemeralKeySet);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(issued.Thumbprint, loaded.Thumbprint);
        var collection = X509CertificateLoader.LoadPkcs12Collection(pfx, password, X509KeyStorageFlags.EphemeralKeySet);
        Assert.Contains(collection, c => c.RawData.SequenceEqual(ca.CaChainDer[0]));
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => X509CertificateLoader.LoadPkcs12(pfx, "wrong-password"));

        // And BouncyCastle's reader agrees.
        var store = new Org.BouncyCastle.Pkcs.Pkcs12StoreBuilder().Build();
        store.Load(new MemoryStream(pfx), password.ToCharArray());
        var alias = Assert.Single(store.Aliases, store.IsKeyEntry);
        Assert.Equal("Carol", alias);
        Assert.Equal(issued.CertificateDer, store.GetCertificate(alias).Certificate.GetEncoded());
    }

    [Fact]
    public async Task Each_seal_uses_a_new_password()
    {
        var ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(_dir.Path));
        var (device, key) = TestCertificates.Device(KeySpec.Parse("ec:p256"));
        using var pending = _factory.CreateKeyAndCsr(KeySpec.Parse("ec:p256"), "CN=Dan", []);
        var issued = await ca.IssueAsync(new IssuanceRequest("d", "pkcs", pending.CsrDer, "client-auth"), CancellationToken.None);
        var a = CmsEnvelope.Decrypt(_factory.Seal(pending, issued, device.GetEncoded()).EncryptedPassword, key.Private);
        var b = CmsEnvelope.Decrypt(_factory.Seal(pending, issued, device.GetEncoded()).EncryptedPassword, key.Private);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Seal_refuses_a_certificate_for_another_key_a_bad_device_and_a_disposed_credential()
    {
        var ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(_dir.Path));
        var (device, _) = TestCertificates.Device(KeySpec.Parse("ec:p256"));
        var pending = _factory.CreateKeyAndCsr(KeySpec.Parse("ec:p256"), "CN=Eve", []);
        var (otherCsr, _) = CaTestSupport.Csr();
        var foreign = await ca.IssueAsync(new IssuanceRequest("f", "pkcs", otherCsr, "client-auth"), CancellationToken.None);
        var mine = await ca.IssueAsync(new IssuanceRequest("e", "pkcs", pending.CsrDer, "client-auth"), CancellationToken.None);

        Assert.Equal("CertificateKeyMismatch", Assert.Throws<ConnectorFailureException>(() => _factory.Seal(pending, foreign, device.GetEncoded())).Code);
        Assert.Equal("BadDeviceCertificate", Assert.Throws<ConnectorFailureException>(() => _factory.Seal(pending, mine, [0x30, 0x00])).Code);
        pending.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _factory.Seal(pending, mine, device.GetEncoded()));
    }

    [Fact]
    public void A_device_certificate_seen_before_is_still_refused_once_it_has_expired()
    {
        var (device, _) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        var now = new DateTimeOffset(device.NotBefore.AddMinutes(1), TimeSpan.Zero);
        _factory.ValidateDeviceCertificate(device.GetEncoded(), now); // now known to the factory
        _factory.ValidateDeviceCertificate(device.GetEncoded(), now);

        var later = new DateTimeOffset(device.NotAfter.AddDays(1), TimeSpan.Zero);
        var e = Assert.Throws<ConnectorFailureException>(() => _factory.ValidateDeviceCertificate(device.GetEncoded(), later));
        Assert.Equal("BadDeviceCertificate", e.Code);
        Assert.Contains("expired", e.Message);
        var before = new DateTimeOffset(device.NotBefore.AddDays(-1), TimeSpan.Zero);
        Assert.Equal("BadDeviceCertificate", Assert.Throws<ConnectorFailureException>(() => _factory.ValidateDeviceCertificate(device.GetEncoded(), before)).Code);
    }

    [Theory]
    [InlineData("rsa:2048")]
    [InlineData("ec:p256")]
    public async Task The_pfx_key_id_is_the_sha1_of_the_issued_certificates_public_key(string keySpec)
    {
        var ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(_dir.Path));
        var (device, deviceKeyPair) = TestCertificates.Device(KeySpec.Parse("ec:p256"));
        using var pending = _factory.CreateKeyAndCsr(KeySpec.Parse(keySpec), "CN=Keyid", []);
        var issued = await ca.IssueAsync(new IssuanceRequest("k", "pkcs", pending.CsrDer, "client-auth"), CancellationToken.None);
        var sealedCredential = _factory.Seal(pending, issued, device.GetEncoded());

        var password = Encoding.UTF8.GetString(CmsEnvelope.Decrypt(sealedCredential.EncryptedPassword, deviceKeyPair.Private, device));
        var pfx = CmsEnvelope.Decrypt(sealedCredential.EncryptedPfx, deviceKeyPair.Private, device);
        var store = new Org.BouncyCastle.Pkcs.Pkcs12StoreBuilder().Build();
        store.Load(new MemoryStream(pfx), password.ToCharArray());
        var alias = Assert.Single(store.Aliases, store.IsKeyEntry);
        var localKeyId = store.GetKey(alias)[Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.Pkcs9AtLocalKeyID];
        var spki = new Org.BouncyCastle.X509.X509Certificate(issued.CertificateDer).CertificateStructure.SubjectPublicKeyInfo;
        var expected = System.Security.Cryptography.SHA1.HashData(spki.PublicKey.GetBytes());
        Assert.Equal(expected, ((Org.BouncyCastle.Asn1.Asn1OctetString)localKeyId).GetOctets());
    }
    [Theory]
    [InlineData("rsa:2048")]
    [InlineData("ec:p256")]
    public async Task A_key_restored_from_its_journaled_form_packages_the_certificate_issued_for_its_CSR(string spec)
    {
        var ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(_dir.Path));
        var (device, deviceKeyPair) = TestCertificates.Device(KeySpec.Rsa2048);
        byte[] key, csr;
        using (var made = _factory.CreateKeyAndCsr(KeySpec.Parse(spec), "CN=Resumed", [], "upstream-challenge"))
            (key, csr) = (_factory.ExportKey(made), made.CsrDer);
        Assert.Equal("upstream-challenge", CertificationRequests.ParseAndVerify(csr).GetCertificationRequestInfo().Attributes
            .OfType<Org.BouncyCastle.Asn1.Asn1Encodable>().Select(Org.BouncyCastle.Asn1.Pkcs.AttributePkcs.GetInstance)
            .Single(a => a.AttrType.Equals(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.Pkcs9AtChallengePassword)).AttrValues[0].ToString());

        // After a restart: the same CSR goes to the CA, and its certificate is packaged with the restored key.
        using var restored = _factory.Restore(key, csr);
        Assert.Equal(csr, restored.CsrDer);
        var issued = await ca.IssueAsync(new IssuanceRequest("r", "pkcs", restored.CsrDer, "client-auth"), CancellationToken.None);
        var sealedCredential = _factory.Seal(restored, issued, device.GetEncoded());
        var password = Encoding.UTF8.GetString(CmsEnvelope.Decrypt(sealedCredential.EncryptedPassword, deviceKeyPair.Private, device));
        using var loaded = X509CertificateLoader.LoadPkcs12(CmsEnvelope.Decrypt(sealedCredential.EncryptedPfx, deviceKeyPair.Private, device), password,
            X509KeyStorageFlags.EphemeralKeySet);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(issued.Thumbprint, loaded.Thumbprint);
    }
}
