using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>
/// <see cref="CmsSignatures.Verify"/> on SignedData made by BouncyCastle's generator (content-type and message-digest
/// signed attributes): the content type, the content's digest and the signature must all match.
/// </summary>
public sealed class CmsSignaturesTests
{
    private static readonly Lazy<(X509Certificate Certificate, AsymmetricCipherKeyPair Key)> RsaSigner =
        new(() => TestCertificates.Device(KeySpec.Parse("rsa:2048"), subject: "CN=RSA signer"));
    private static readonly Lazy<(X509Certificate Certificate, AsymmetricCipherKeyPair Key)> OtherRsa =
        new(() => TestCertificates.Device(KeySpec.Parse("rsa:2048"), subject: "CN=Other"));
    private static readonly Lazy<(X509Certificate Certificate, AsymmetricCipherKeyPair Key)> EcSigner =
        new(() => TestCertificates.Device(KeySpec.Parse("ec:p256"), subject: "CN=EC signer"));
    private static readonly Lazy<(X509Certificate Certificate, AsymmetricCipherKeyPair Key)> OtherEc =
        new(() => TestCertificates.Device(KeySpec.Parse("ec:p256"), subject: "CN=Other EC"));

    private static readonly byte[] Content = "pkcsPKIEnvelope bytes"u8.ToArray();

    [Theory]
    [InlineData("SHA1WITHRSA", "1.3.14.3.2.26")]
    [InlineData("SHA256WITHRSA", "2.16.840.1.101.3.4.2.1")]
    [InlineData("SHA512WITHRSA", "2.16.840.1.101.3.4.2.3")]
    public void An_rsa_signer_verifies(string algorithm, string digestOid)
    {
        var (certificate, key) = RsaSigner.Value;
        var signer = Sign(certificate, key, algorithm, Content);
        Assert.Equal(digestOid, signer.DigestAlgorithmID.Algorithm.Id);
        Assert.NotNull(signer.SignedAttributes);
        Assert.True(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, Content, certificate.SubjectPublicKeyInfo));
    }

    [Theory]
    [InlineData("SHA1WITHRSA")]
    [InlineData("SHA256WITHRSA")]
    [InlineData("SHA512WITHRSA")]
    public void An_rsa_signer_fails_when_the_content_differs(string algorithm)
    {
        var (certificate, key) = RsaSigner.Value;
        var signer = Sign(certificate, key, algorithm, Content);
        var changed = (byte[])Content.Clone();
        changed[0] ^= 0x01;
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, changed, certificate.SubjectPublicKeyInfo));
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, [], certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_rsa_signer_fails_when_the_content_type_differs()
    {
        var (certificate, key) = RsaSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHRSA", Content);
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.SignedData, Content, certificate.SubjectPublicKeyInfo));
        Assert.False(CmsSignatures.Verify(signer, PkcsObjectIdentifiers.Data.Branch("1"), Content, certificate.SubjectPublicKeyInfo));
    }

    [Theory]
    [InlineData("SHA1WITHRSA")]
    [InlineData("SHA256WITHRSA")]
    [InlineData("SHA512WITHRSA")]
    public void An_rsa_signer_fails_with_another_key(string algorithm)
    {
        var (certificate, key) = RsaSigner.Value;
        var signer = Sign(certificate, key, algorithm, Content);
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, Content, OtherRsa.Value.Certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_rsa_signer_whose_signed_attributes_were_changed_fails()
    {
        // The digest and content type still match, but the signature no longer covers the attributes presented.
        var (certificate, key) = RsaSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHRSA", Content);
        var extra = signer.SignedAttributes!.Add(PkcsObjectIdentifiers.Pkcs9AtSigningTime, new Org.BouncyCastle.Asn1.Cms.Time(DateTime.UtcNow));
        var info = signer.ToSignerInfo();
        var tampered = new SignerInfo(info.SignerID, info.DigestAlgorithm, new DerSet(extra.ToAsn1EncodableVector()),
            info.DigestEncryptionAlgorithm, info.EncryptedDigest, null);
        var rebuilt = Rebuild(tampered, Content);
        Assert.True(CmsSignatures.Verify(Rebuild(info, Content), CmsObjectIdentifiers.Data, Content, certificate.SubjectPublicKeyInfo));
        Assert.False(CmsSignatures.Verify(rebuilt, CmsObjectIdentifiers.Data, Content, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_ec_signer_verifies_through_the_fallback()
    {
        var (certificate, key) = EcSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHECDSA", Content);
        Assert.True(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, Content, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_ec_signer_fails_with_another_key()
    {
        var (certificate, key) = EcSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHECDSA", Content);
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, Content, OtherEc.Value.Certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_ec_signer_fails_when_the_content_differs()
    {
        var (certificate, key) = EcSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHECDSA", Content);
        var changed = (byte[])Content.Clone();
        changed[0] ^= 0x01;
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.Data, changed, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_ec_signer_fails_when_the_content_type_differs()
    {
        var (certificate, key) = EcSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHECDSA", Content);
        Assert.False(CmsSignatures.Verify(signer, CmsObjectIdentifiers.SignedData, Content, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_ec_signer_over_tampered_encapsulated_content_does_not_verify()
    {
        // The SignedData itself carries changed content (and the same changed bytes are passed): the message digest no
        // longer matches. The RSA path answers false; the BouncyCastle fallback throws CmsException. Either way: not verified.
        var (certificate, key) = EcSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHECDSA", Content);
        var changed = (byte[])Content.Clone();
        changed[0] ^= 0x01;
        var tampered = Rebuild(signer.ToSignerInfo(), changed);
        bool? verified = null;
        try { verified = CmsSignatures.Verify(tampered, CmsObjectIdentifiers.Data, changed, certificate.SubjectPublicKeyInfo); }
        catch (CmsException) { }
        Assert.NotEqual(true, verified);
    }

    [Fact]
    public void An_rsa_signer_over_tampered_encapsulated_content_is_false()
    {
        var (certificate, key) = RsaSigner.Value;
        var signer = Sign(certificate, key, "SHA256WITHRSA", Content);
        var changed = (byte[])Content.Clone();
        changed[0] ^= 0x01;
        Assert.False(CmsSignatures.Verify(Rebuild(signer.ToSignerInfo(), changed), CmsObjectIdentifiers.Data, changed, certificate.SubjectPublicKeyInfo));
    }

    // ---- helpers ----

    private static SignerInformation Sign(X509Certificate certificate, AsymmetricCipherKeyPair key, string algorithm, byte[] content)
    {
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder().Build(new Asn1SignatureFactory(algorithm, key.Private), certificate));
        var signed = generator.Generate(new CmsProcessableByteArray(content), encapsulate: true);
        // Round-trip through DER, as a received message would be.
        return new CmsSignedData(signed.GetEncoded()).GetSignerInfos().GetSigners().Single();
    }

    /// <summary>A SignedData carrying <paramref name="content"/> and this one signerInfo, parsed back.</summary>
    private static SignerInformation Rebuild(SignerInfo info, byte[] content)
    {
        var signedData = new SignedData(new DerSet(info.DigestAlgorithm), new ContentInfo(CmsObjectIdentifiers.Data, new DerOctetString(content)),
            null, null, new DerSet(info));
        var encoded = new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded();
        return new CmsSignedData(encoded).GetSignerInfos().GetSigners().Single();
    }
}
