using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;

namespace CertConnector.Adapters.Tests.Crypto;

public class DeviceCertificateTests
{
    private static readonly PkcsCredentialFactory Factory = new();

    [Theory]
    [InlineData("rsa:2048", KeyUsage.KeyEncipherment | KeyUsage.DigitalSignature)]
    [InlineData("rsa:3072", -1)]
    [InlineData("ec:p256", KeyUsage.KeyAgreement)]
    [InlineData("ec:p384", -1)]
    public void Accepts_usable_certificates(string spec, int keyUsage)
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse(spec), keyUsage < 0 ? null : keyUsage);
        Factory.ValidateDeviceCertificate(certificate.GetEncoded(), DateTimeOffset.UtcNow);
    }

    [Fact]
    public void Rejects_garbage_pem_and_trailing_bytes()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("ec:p256"));
        AssertRejected([1, 2, 3], "not a DER");
        AssertRejected(System.Text.Encoding.ASCII.GetBytes(Pem.Certificate(certificate)), "not a DER");
        AssertRejected([.. certificate.GetEncoded(), 0], "not a DER");
        AssertRejected([], "missing");
    }

    [Fact]
    public void Rejects_expired_and_not_yet_valid()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("ec:p256"), notBefore: DateTime.UtcNow.AddDays(-10), notAfter: DateTime.UtcNow.AddDays(10));
        AssertRejected(certificate.GetEncoded(), "expired", DateTimeOffset.UtcNow.AddDays(11));
        AssertRejected(certificate.GetEncoded(), "not valid until", DateTimeOffset.UtcNow.AddDays(-11));
    }

    [Fact]
    public void Rejects_keys_we_cannot_encrypt_to()
    {
        AssertRejected(TestCertificates.Device(KeySpec.Rsa2048, KeyUsage.DigitalSignature).Certificate.GetEncoded(), "keyEncipherment");
        AssertRejected(TestCertificates.Device(KeySpec.Parse("ec:p256"), KeyUsage.DigitalSignature).Certificate.GetEncoded(), "keyAgreement");

        var smallRsa = new Org.BouncyCastle.Crypto.Generators.RsaKeyPairGenerator();
        smallRsa.Init(new Org.BouncyCastle.Crypto.KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom(), 1024));
        var key = smallRsa.GenerateKeyPair();
        var generator = new Org.BouncyCastle.X509.X509V3CertificateGenerator();
        generator.SetSerialNumber(Org.BouncyCastle.Math.BigInteger.One);
        generator.SetIssuerDN(new X509Name("CN=small"));
        generator.SetSubjectDN(new X509Name("CN=small"));
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddDays(1));
        generator.SetPublicKey(key.Public);
        var small = generator.Generate(new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("SHA256WITHRSA", key.Private));
        AssertRejected(small.GetEncoded(), "1024-bit");
    }

    private static void AssertRejected(byte[] der, string messagePart, DateTimeOffset? now = null)
    {
        var e = Assert.Throws<ConnectorFailureException>(() => Factory.ValidateDeviceCertificate(der, now ?? DateTimeOffset.UtcNow));
        Assert.Equal("BadDeviceCertificate", e.Code);
        Assert.False(e.Retryable);
        Assert.Contains(messagePart, e.Message);
    }
}
