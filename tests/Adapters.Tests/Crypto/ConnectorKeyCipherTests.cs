using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;
using static CertConnector.Adapters.Tests.Common.CaTestSupport;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>The connector key's cipher: PFX passwords (each OAEP padding, refusals, the checks on the PFX) and recrypt payloads.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConnectorKeyCipherTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ConnectorKeyPair _key;
    private readonly ConnectorKeyCipher _cipher;
    private readonly (Org.BouncyCastle.X509.X509Certificate Certificate, Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair Key) _device =
        TestCertificates.Device(KeySpec.Rsa2048, KeyUsage.KeyEncipherment);

    public ConnectorKeyCipherTests()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        _key = ca.OpenConnectorKey(new ConnectorKeyOptions { KeySpec = "rsa:2048" })!;
        _cipher = new ConnectorKeyCipher(new ConnectorKeyHolder(_key));
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("oaepSha256", "S3cret!")]
    [InlineData("oaepSha384", "S3cret!")]
    [InlineData("oaepSha512", "S3cret!")]
    [InlineData("OAEPSHA256", "pässwörd-ÿ")] // Latin-1 beyond ASCII; the scheme name is case-insensitive
    public void The_device_gets_the_password_that_opens_the_pfx(string padding, string password)
    {
        var request = Request(Pfx(password), Encrypt(password, padding), padding);

        var envelope = _cipher.ReencryptPfxPassword(request, DateTimeOffset.UtcNow);

        var delivered = CmsEnvelope.Decrypt(envelope, _device.Key.Private);
        Assert.Equal(Encoding.UTF8.GetBytes(password), delivered);
        using var opened = X509CertificateLoader.LoadPkcs12(request.EncryptedPfxBlob, Encoding.UTF8.GetString(delivered), X509KeyStorageFlags.EphemeralKeySet);
        Assert.True(opened.HasPrivateKey);
    }

    [Theory]
    [InlineData("pkcs1")]
    [InlineData("oaepSha1")]
    [InlineData("rot13")]
    public void Pkcs1_v15_oaep_sha1_and_unknown_paddings_are_final_errors(string padding)
    {
        var failure = Assert.Throws<ConnectorFailureException>(() =>
            _cipher.ReencryptPfxPassword(Request(Pfx("x"), [1, 2, 3], padding), DateTimeOffset.UtcNow));
        Assert.Equal(("UnsupportedPadding", false), (failure.Code, failure.Retryable));
        Assert.Contains("oaepSha256, oaepSha384, oaepSha512", failure.Message);
        Assert.Throws<ConnectorFailureException>(() => ImportPasswords.Encrypt("x", _key.Rsa, padding)); // the CLI refuses them too
    }

    [Fact]
    public void A_password_encrypted_with_another_padding_than_declared_is_a_final_error()
    {
        var failure = Assert.Throws<ConnectorFailureException>(() =>
            _cipher.ReencryptPfxPassword(Request(Pfx("pw"), Encrypt("pw", "oaepSha256"), "oaepSha512"), DateTimeOffset.UtcNow));
        Assert.Equal(("BadEncryptedPassword", false), (failure.Code, failure.Retryable));
    }

    [Fact]
    public void A_password_that_does_not_open_the_pfx_is_a_final_error_saying_so()
    {
        var failure = Assert.Throws<ConnectorFailureException>(() =>
            _cipher.ReencryptPfxPassword(Request(Pfx("right"), Encrypt("wrong", "oaepSha256"), "oaepSha256"), DateTimeOffset.UtcNow));
        Assert.Equal((PfxContents.MismatchCode, false), (failure.Code, failure.Retryable));
        Assert.Contains("does not open the PFX", failure.Message);
    }

    [Fact]
    public void A_pfx_without_a_private_key_or_that_is_no_pfx_is_a_final_error()
    {
        using var rsa = RSA.Create(2048);
        using var withKey = new CertificateRequest("CN=alice", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var certOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        var noKey = Assert.Throws<ConnectorFailureException>(() => _cipher.ReencryptPfxPassword(
            Request(certOnly.Export(X509ContentType.Pkcs12, "pw")!, Encrypt("pw", "oaepSha256"), "oaepSha256"), DateTimeOffset.UtcNow));
        Assert.Equal(PfxContents.IncompleteCode, noKey.Code);
        Assert.Contains("no private key", noKey.Message);

        var notPfx = Assert.Throws<ConnectorFailureException>(() =>
            _cipher.ReencryptPfxPassword(Request([0x30, 0x03, 0x02, 0x01, 0x03], Encrypt("pw", "oaepSha256"), "oaepSha256"), DateTimeOffset.UtcNow));
        Assert.Equal(PfxContents.BadPfxCode, notPfx.Code);
    }

    [Fact]
    public void A_thumbprint_in_the_request_must_be_the_pfx_certificates()
    {
        var pfx = Pfx("pw");
        using var certificate = X509CertificateLoader.LoadPkcs12(pfx, "pw", X509KeyStorageFlags.EphemeralKeySet);
        var matching = Request(pfx, Encrypt("pw", "oaepSha256"), "oaepSha256") with { Thumbprint = certificate.Thumbprint.ToLowerInvariant() };
        Assert.NotEmpty(_cipher.ReencryptPfxPassword(matching, DateTimeOffset.UtcNow));

        var failure = Assert.Throws<ConnectorFailureException>(() => _cipher.ReencryptPfxPassword(matching with { Thumbprint = new string('A', 40) }, DateTimeOffset.UtcNow));
        Assert.Equal((PfxContents.ThumbprintMismatchCode, false), (failure.Code, failure.Retryable));
        Assert.Contains(certificate.Thumbprint, failure.Message);
    }

    [Fact]
    public void The_import_conversion_keeps_latin1_and_refuses_anything_beyond_it()
    {
        Assert.Equal([0x41, 0xE9, 0xFF], ImportPasswords.ToBytes("Aéÿ"));
        Assert.Equal("Aéÿ", new string(ImportPasswords.ToChars([0x41, 0xE9, 0xFF])));
        var refused = Assert.Throws<ArgumentException>(() => ImportPasswords.ToBytes("ok€"));
        Assert.Contains("character 3 (U+20AC)", refused.Message);
        Assert.Throws<ArgumentException>(() => ImportPasswords.ToBytes("😀")); // a surrogate pair: two code units above U+00FF
    }

    [Fact]
    public void Without_the_key_everything_is_a_retryable_key_unavailable_error()
    {
        var cipher = new ConnectorKeyCipher(new ConnectorKeyHolder(null, "none here"));
        var failure = Assert.Throws<ConnectorFailureException>(() => cipher.OpenPayload([0x30]));
        Assert.Equal((IConnectorKeyCipher.KeyUnavailableCode, true), (failure.Code, failure.Retryable));
        Assert.Contains("none here", failure.Message);
    }

    [Fact]
    public void A_payload_enveloped_to_the_connector_certificate_is_re_enveloped_to_the_recipient_and_the_plaintext_cleared()
    {
        var content = Encoding.ASCII.GetBytes("the payload " + Guid.NewGuid());
        var opened = _cipher.OpenPayload(CmsEnvelope.Encrypt(content, _key.Certificate, rsaKeyTransport: RsaKeyTransport.Pkcs1v15));
        Assert.Equal(content, opened.Span.ToArray());

        var sealedForRecipient = _cipher.SealPayload(opened, _device.Certificate.GetEncoded(), DateTimeOffset.UtcNow);
        opened.Dispose();

        Assert.Equal(0, opened.Length);
        Assert.Equal(content, CmsEnvelope.Decrypt(sealedForRecipient, _device.Key.Private));
    }

    [Fact]
    public void A_payload_for_another_key_or_an_unusable_recipient_is_a_final_error()
    {
        var foreign = Assert.Throws<ConnectorFailureException>(() => _cipher.OpenPayload(CmsEnvelope.Encrypt([1, 2, 3], _device.Certificate)));
        Assert.Equal(("BadPayload", false), (foreign.Code, foreign.Retryable));

        using var opened = _cipher.OpenPayload(CmsEnvelope.Encrypt([1, 2, 3], _key.Certificate));
        var expired = TestCertificates.Device(KeySpec.Rsa2048, KeyUsage.KeyEncipherment, DateTime.UtcNow.AddDays(-30), DateTime.UtcNow.AddDays(-1));
        var badRecipient = Assert.Throws<ConnectorFailureException>(() => _cipher.SealPayload(opened, expired.Certificate.GetEncoded(), DateTimeOffset.UtcNow));
        Assert.Equal(("BadDeviceCertificate", false), (badRecipient.Code, badRecipient.Retryable));
    }

    private PkcsImportRequest Request(byte[] pfx, byte[] encryptedPassword, string padding) =>
        new("im-1", "alice@contoso.example", pfx, encryptedPassword, padding, _device.Certificate.GetEncoded());

    private byte[] Encrypt(string password, string padding)
    {
        using var publicKey = ConnectorKeyPair.PublicKeyFromPem(_key.PublicKeyPem);
        return ImportPasswords.Encrypt(password, publicKey, padding);
    }

    private static byte[] Pfx(string password)
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=alice", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return certificate.Export(X509ContentType.Pkcs12, password);
    }
}
