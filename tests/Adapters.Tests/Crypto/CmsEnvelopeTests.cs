using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;

namespace CertConnector.Adapters.Tests.Crypto;

public class CmsEnvelopeTests
{
    private static readonly byte[] Content = "a secret payload"u8.ToArray();

    [Theory]
    [InlineData(CmsContentAlgorithm.Aes128Cbc, RsaKeyTransport.Pkcs1v15)]
    [InlineData(CmsContentAlgorithm.Aes192Cbc, RsaKeyTransport.OaepSha256)]
    [InlineData(CmsContentAlgorithm.Aes256Cbc, RsaKeyTransport.OaepSha256)]
    [InlineData(CmsContentAlgorithm.DesEde3Cbc, RsaKeyTransport.Pkcs1v15)]
    public void Rsa_round_trip_with_the_chosen_algorithms(CmsContentAlgorithm content, RsaKeyTransport transport)
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Rsa2048);
        var envelope = CmsEnvelope.Encrypt(Content, certificate, content, transport);

        var parsed = new CmsEnvelopedData(envelope);
        Assert.Equal(CmsEnvelope.ContentOid(content), parsed.EncryptionAlgorithmID.Algorithm.Id);
        var recipient = Assert.IsType<KeyTransRecipientInformation>(parsed.GetRecipientInfos().GetRecipients().Single());
        var expectedTransport = transport == RsaKeyTransport.OaepSha256 ? PkcsObjectIdentifiers.IdRsaesOaep : PkcsObjectIdentifiers.RsaEncryption;
        Assert.Equal(expectedTransport, recipient.KeyEncryptionAlgorithmID.Algorithm);
        if (transport == RsaKeyTransport.OaepSha256)
            Assert.Equal(NistObjectIdentifiers.IdSha256, RsaesOaepParameters.GetInstance(recipient.KeyEncryptionAlgorithmID.Parameters).HashAlgorithm.Algorithm);

        Assert.Equal(Content, CmsEnvelope.Decrypt(envelope, key.Private, certificate));
        Assert.Equal(Content, CmsEnvelope.Decrypt(envelope, key.Private));
    }

    [Theory]
    [InlineData("ec:p256")]
    [InlineData("ec:p384")]
    public void Ec_recipient_gets_ecdh_key_agreement(string spec)
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Parse(spec));
        var envelope = CmsEnvelope.Encrypt(Content, certificate);

        var recipient = new CmsEnvelopedData(envelope).GetRecipientInfos().GetRecipients().Single();
        Assert.IsType<KeyAgreeRecipientInformation>(recipient);
        Assert.Equal("1.3.132.1.11.1", recipient.KeyEncryptionAlgorithmID.Algorithm.Id); // dhSinglePass-stdDH-sha256kdf-scheme
        Assert.Equal(Content, CmsEnvelope.Decrypt(envelope, key.Private, certificate));
    }

    [Fact]
    public void Envelope_is_der_and_each_one_is_fresh()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("ec:p256"));
        var a = CmsEnvelope.Encrypt(Content, certificate);
        var b = CmsEnvelope.Encrypt(Content, certificate);
        Assert.NotEqual(a, b);
        Assert.Equal(a, Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(a).GetDerEncoded());
    }

    [Fact]
    public void Wrong_key_cannot_decrypt()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Rsa2048);
        var (_, other) = TestCertificates.Device(KeySpec.Rsa2048);
        var envelope = CmsEnvelope.Encrypt(Content, certificate);
        Assert.ThrowsAny<Exception>(() => CmsEnvelope.Decrypt(envelope, other.Private));
    }
}
