using System.Security.Cryptography;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Utilities.IO.Pem;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>
/// <see cref="PublicKeys"/> (RSA PKCS#1 v1.5 in .NET, everything else through BouncyCastle) and
/// <see cref="RsaKeyTransRecipient"/> (CMS key transport made by .NET's RSA, opened by BouncyCastle and OpenSSL).
/// </summary>
public sealed class PublicKeysTests : IDisposable
{
    private static readonly Lazy<AsymmetricCipherKeyPair> Rsa = new(() => KeyGeneration.GenerateDotNet(KeySpec.Parse("rsa:2048")));
    private static readonly Lazy<AsymmetricCipherKeyPair> OtherRsa = new(() => KeyGeneration.GenerateDotNet(KeySpec.Parse("rsa:2048")));
    private static readonly Lazy<AsymmetricCipherKeyPair> Ec = new(() => KeyGeneration.GenerateDotNet(KeySpec.Parse("ec:p256")));
    private static readonly Lazy<AsymmetricCipherKeyPair> OtherEc = new(() => KeyGeneration.GenerateDotNet(KeySpec.Parse("ec:p256")));

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- Verify ----

    [Theory]
    [InlineData("SHA256WITHRSA", "1.2.840.113549.1.1.11")]
    [InlineData("SHA1WITHRSA", "1.2.840.113549.1.1.5")]
    [InlineData("SHA512WITHRSA", "1.2.840.113549.1.1.13")]
    [InlineData("SHA384WITHRSA", "1.2.840.113549.1.1.12")]
    public void An_rsa_csr_verifies(string algorithm, string oid)
    {
        var csr = Csr(Rsa.Value, algorithm);
        Assert.Equal(oid, csr.SignatureAlgorithm.Algorithm.Id);
        Assert.True(VerifyCsr(csr));
    }

    [Theory]
    [InlineData("SHA256WITHRSA")]
    [InlineData("SHA1WITHRSA")]
    [InlineData("SHA512WITHRSA")]
    public void An_rsa_signature_over_one_byte_changed_data_fails(string algorithm)
    {
        var csr = Csr(Rsa.Value, algorithm);
        var tbs = csr.GetCertificationRequestInfo().GetDerEncoded();
        tbs[tbs.Length - 1] ^= 0x01;
        Assert.False(PublicKeys.Verify(Key(csr), csr.SignatureAlgorithm, tbs, csr.GetSignatureOctets()));
    }

    [Fact]
    public void Imported_rsa_keys_are_shared_per_key_and_never_taken_for_another()
    {
        var mine = Csr(Rsa.Value, "SHA256WITHRSA");
        var other = Csr(OtherRsa.Value, "SHA256WITHRSA");
        Assert.Same(PublicKeys.SharedRsa(Key(mine)), PublicKeys.SharedRsa(SubjectPublicKeyInfo.GetInstance(Key(mine).GetDerEncoded())));
        Assert.NotSame(PublicKeys.SharedRsa(Key(mine)), PublicKeys.SharedRsa(Key(other)));
        // Both keys are in the cache now: each signature verifies with its own key only.
        var tbs = other.GetCertificationRequestInfo().GetDerEncoded();
        Assert.True(PublicKeys.Verify(Key(other), other.SignatureAlgorithm, tbs, other.GetSignatureOctets()));
        Assert.False(PublicKeys.Verify(Key(mine), other.SignatureAlgorithm, tbs, other.GetSignatureOctets()));
    }

    [Fact]
    public void An_rsa_signature_checked_with_the_wrong_digest_fails()
    {
        // Signed with SHA-256, presented as SHA-512: the digest must come from the algorithm, not be assumed.
        var csr = Csr(Rsa.Value, "SHA256WITHRSA");
        var sha512 = new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha512WithRsaEncryption, DerNull.Instance);
        Assert.False(PublicKeys.Verify(Key(csr), sha512, csr.GetCertificationRequestInfo().GetDerEncoded(), csr.GetSignatureOctets()));
    }

    [Fact]
    public void An_rsa_signature_by_another_key_fails()
    {
        var csr = Csr(Rsa.Value, "SHA256WITHRSA");
        var other = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(OtherRsa.Value.Public);
        Assert.False(PublicKeys.Verify(other, csr.SignatureAlgorithm, csr.GetCertificationRequestInfo().GetDerEncoded(), csr.GetSignatureOctets()));
    }

    [Fact]
    public void An_ec_p256_csr_verifies_through_the_fallback()
    {
        var csr = Csr(Ec.Value, "SHA256WITHECDSA");
        Assert.Equal(X9ObjectIdentifiersEcdsaWithSha256, csr.SignatureAlgorithm.Algorithm.Id);
        Assert.True(PublicKeys.IsEc(Key(csr)));
        Assert.True(VerifyCsr(csr));
    }

    [Fact]
    public void An_ec_signature_over_changed_data_or_by_another_key_fails()
    {
        var csr = Csr(Ec.Value, "SHA256WITHECDSA");
        var tbs = csr.GetCertificationRequestInfo().GetDerEncoded();
        var changed = (byte[])tbs.Clone();
        changed[^1] ^= 0x01;
        Assert.False(PublicKeys.Verify(Key(csr), csr.SignatureAlgorithm, changed, csr.GetSignatureOctets()));
        var other = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(OtherEc.Value.Public);
        Assert.False(PublicKeys.Verify(other, csr.SignatureAlgorithm, tbs, csr.GetSignatureOctets()));
    }

    [Fact]
    public void An_rsassa_pss_signature_verifies_through_the_fallback()
    {
        var csr = Csr(Rsa.Value, "SHA256WITHRSAANDMGF1");
        Assert.Equal(PkcsObjectIdentifiers.IdRsassaPss, csr.SignatureAlgorithm.Algorithm);
        Assert.True(VerifyCsr(csr));

        var tbs = csr.GetCertificationRequestInfo().GetDerEncoded();
        tbs[^1] ^= 0x01;
        Assert.False(PublicKeys.Verify(Key(csr), csr.SignatureAlgorithm, tbs, csr.GetSignatureOctets()));
    }

    [Fact]
    public void A_pss_signature_presented_as_pkcs1_fails()
    {
        // The padding is part of the algorithm: a PSS signature is not a valid sha256WithRSAEncryption signature.
        var csr = Csr(Rsa.Value, "SHA256WITHRSAANDMGF1");
        var pkcs1 = new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);
        Assert.False(PublicKeys.Verify(Key(csr), pkcs1, csr.GetCertificationRequestInfo().GetDerEncoded(), csr.GetSignatureOctets()));
    }

    // ---- IsSignedBy ----

    [Theory]
    [InlineData("rsa:2048")]
    [InlineData("ec:p256")]
    public void A_self_signed_certificate_is_signed_by_its_own_key(string spec)
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse(spec));
        Assert.True(PublicKeys.IsSignedBy(certificate, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void A_certificate_signed_by_another_ca_key_is_not_signed_by_this_key()
    {
        var ca = Rsa.Value;
        var otherCa = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(OtherRsa.Value.Public);
        var issued = Issue(ca, Ec.Value.Public);
        Assert.True(PublicKeys.IsSignedBy(issued, SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(ca.Public)));
        Assert.False(PublicKeys.IsSignedBy(issued, otherCa));
    }

    [Theory]
    [InlineData("rsa:2048", "ec:p256")] // sha256WithRSA signature, EC key offered
    [InlineData("ec:p256", "rsa:2048")] // ecdsa-with-SHA256 signature, RSA key offered
    public void A_certificate_checked_against_a_key_of_another_algorithm_is_not_signed_by_it_and_does_not_throw(string signerSpec, string keySpec)
    {
        // E.g. a client's self-signed-looking certificate whose signature algorithm does not fit its own key, or a
        // renewal signer certificate checked against a CA key of the other algorithm.
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse(signerSpec));
        var (other, _) = TestCertificates.Device(KeySpec.Parse(keySpec));
        Assert.False(PublicKeys.IsSignedBy(certificate, other.SubjectPublicKeyInfo));
    }

    [Theory]
    [InlineData("rsa:2048", 256)]
    [InlineData("rsa:2048", 3)]
    [InlineData("rsa:2048", 0)]
    [InlineData("ec:p256", 71)]
    [InlineData("ec:p256", 3)]
    [InlineData("ec:p256", 0)]
    public void A_garbage_signature_is_not_signed_by_anyone_and_does_not_throw(string spec, int length)
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse(spec));
        var garbage = new byte[length];
        for (var i = 0; i < length; i++) garbage[i] = (byte)(0x5A ^ i);
        var forged = WithSignature(certificate, certificate.CertificateStructure.SignatureAlgorithm, garbage);
        Assert.False(PublicKeys.IsSignedBy(forged, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void An_unknown_signature_algorithm_is_not_signed_by_anyone_and_does_not_throw()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("ec:p256"));
        var forged = WithSignature(certificate, new AlgorithmIdentifier(new DerObjectIdentifier("1.2.3.4.5.6")), certificate.GetSignature());
        Assert.False(PublicKeys.IsSignedBy(forged, certificate.SubjectPublicKeyInfo));
    }

    [Fact]
    public void A_certificate_whose_tbs_was_changed_after_signing_is_not_signed()
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        // Same signature, different TBS (another serial): the signature must not carry over.
        var (other, _) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        var forged = new X509Certificate(new X509CertificateStructure(other.CertificateStructure.TbsCertificate,
            certificate.CertificateStructure.SignatureAlgorithm, new DerBitString(certificate.GetSignature())));
        Assert.False(PublicKeys.IsSignedBy(forged, SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.Public)));
    }

    // ---- RsaBits ----

    [Theory]
    [InlineData(2048)]
    [InlineData(3072)]
    public void RsaBits_is_the_modulus_length(int bits)
    {
        using var rsa = RSA.Create(bits);
        var key = SubjectPublicKeyInfo.GetInstance(rsa.ExportSubjectPublicKeyInfo());
        Assert.True(PublicKeys.IsRsa(key));
        Assert.False(PublicKeys.IsEc(key));
        Assert.Equal(bits, PublicKeys.RsaBits(key));
    }

    // ---- RsaKeyTransRecipient ----

    [Theory]
    [InlineData(RsaKeyTransport.Pkcs1v15)]
    [InlineData(RsaKeyTransport.OaepSha256)]
    public void An_envelope_to_an_rsa_key_trans_recipient_opens_with_bouncycastle(RsaKeyTransport transport)
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        var content = "secret for the device"u8.ToArray();
        var enveloped = new CmsEnvelopedData(Envelope(certificate, transport, content));

        var recipient = enveloped.GetRecipientInfos().GetFirstRecipient(new RecipientID { Issuer = certificate.IssuerDN, SerialNumber = certificate.SerialNumber });
        Assert.NotNull(recipient); // named by the certificate's issuer and serial
        Assert.Equal(content, recipient.GetContent(key.Private));
    }

    [Theory]
    [InlineData(RsaKeyTransport.Pkcs1v15)]
    [InlineData(RsaKeyTransport.OaepSha256)]
    public void An_envelope_to_an_rsa_key_trans_recipient_opens_with_openssl(RsaKeyTransport transport)
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        File.WriteAllText(_dir.File("cert.pem"), Pem.Certificate(certificate));
        using (var writer = new StreamWriter(_dir.File("key.pem")))
            new PemWriter(writer).WriteObject(new PemObject("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(key.Private).GetDerEncoded()));
        File.WriteAllBytes(_dir.File("m.cms"), Envelope(certificate, transport, "to openssl via .NET RSA"u8.ToArray()));

        OpenSsl.Run(_dir.Path, "cms", "-decrypt", "-inform", "DER", "-in", "m.cms", "-inkey", "key.pem", "-recip", "cert.pem", "-out", "m.txt");

        Assert.Equal("to openssl via .NET RSA", File.ReadAllText(_dir.File("m.txt")));
    }

    [Fact]
    public void The_oaep_recipient_names_rsaes_oaep_with_sha256_and_mgf1_sha256()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        var info = KeyTransInfo(Envelope(certificate, RsaKeyTransport.OaepSha256, [1, 2, 3]));

        Assert.Equal(PkcsObjectIdentifiers.IdRsaesOaep, info.KeyEncryptionAlgorithm.Algorithm);
        var parameters = RsaesOaepParameters.GetInstance(info.KeyEncryptionAlgorithm.Parameters);
        Assert.Equal(NistObjectIdentifiers.IdSha256, parameters.HashAlgorithm.Algorithm);
        Assert.Equal(PkcsObjectIdentifiers.IdMgf1, parameters.MaskGenAlgorithm.Algorithm);
        Assert.Equal(NistObjectIdentifiers.IdSha256, AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters).Algorithm);
        Assert.Equal(PkcsObjectIdentifiers.IdPSpecified, parameters.PSourceAlgorithm.Algorithm);
        Assert.Equal(256, info.EncryptedKey.GetOctets().Length);
    }

    [Fact]
    public void The_pkcs1_recipient_names_rsa_encryption_and_identifies_by_issuer_and_serial()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        var info = KeyTransInfo(Envelope(certificate, RsaKeyTransport.Pkcs1v15, [1, 2, 3]));

        Assert.Equal(PkcsObjectIdentifiers.RsaEncryption, info.KeyEncryptionAlgorithm.Algorithm);
        Assert.Equal(256, info.EncryptedKey.GetOctets().Length);
        var id = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber.GetInstance(info.RecipientIdentifier.ID);
        Assert.Equal(certificate.SerialNumber, id.SerialNumber.Value);
        Assert.True(certificate.IssuerDN.Equivalent(id.Issuer));
        Assert.Equal(0, info.Version.IntValueExact); // issuerAndSerialNumber: version 0 (RFC 5652 §6.2.1)
    }

    [Fact]
    public void The_oaep_envelope_does_not_open_with_another_key()
    {
        var (certificate, _) = TestCertificates.Device(KeySpec.Parse("rsa:2048"));
        var enveloped = new CmsEnvelopedData(Envelope(certificate, RsaKeyTransport.OaepSha256, [1, 2, 3]));
        var recipient = enveloped.GetRecipientInfos().GetRecipients().Single();
        Assert.ThrowsAny<Exception>(() => recipient.GetContent(OtherRsa.Value.Private));
    }

    // ---- helpers ----

    private const string X9ObjectIdentifiersEcdsaWithSha256 = "1.2.840.10045.4.3.2";

    private static Pkcs10CertificationRequest Csr(AsymmetricCipherKeyPair key, string algorithm) =>
        new(new Asn1SignatureFactory(algorithm, key.Private), new X509Name("CN=csr"), key.Public, null);

    private static SubjectPublicKeyInfo Key(Pkcs10CertificationRequest csr) => csr.GetCertificationRequestInfo().SubjectPublicKeyInfo;

    private static bool VerifyCsr(Pkcs10CertificationRequest csr) =>
        PublicKeys.Verify(Key(csr), csr.SignatureAlgorithm, csr.GetCertificationRequestInfo().GetDerEncoded(), csr.GetSignatureOctets());

    private static X509Certificate Issue(AsymmetricCipherKeyPair ca, AsymmetricKeyParameter subjectKey)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(CertificateIds.NewSerial());
        generator.SetIssuerDN(new X509Name("CN=Test CA"));
        generator.SetSubjectDN(new X509Name("CN=Issued"));
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
        generator.SetPublicKey(subjectKey);
        return generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", ca.Private));
    }

    private static X509Certificate WithSignature(X509Certificate certificate, AlgorithmIdentifier algorithm, byte[] signature) =>
        new(new X509CertificateStructure(certificate.CertificateStructure.TbsCertificate, algorithm, new DerBitString(signature)));

    private static byte[] Envelope(X509Certificate recipient, RsaKeyTransport transport, byte[] content)
    {
        var generator = new CmsEnvelopedDataGenerator();
        generator.AddRecipientInfoGenerator(new RsaKeyTransRecipient(recipient, transport));
        return generator.Generate(new CmsProcessableByteArray(content), CmsEnvelopedGenerator.Aes128Cbc).GetEncoded();
    }

    private static KeyTransRecipientInfo KeyTransInfo(byte[] envelope)
    {
        var enveloped = EnvelopedData.GetInstance(Org.BouncyCastle.Asn1.Cms.ContentInfo.GetInstance(Asn1Object.FromByteArray(envelope)).Content);
        Assert.Equal(1, enveloped.RecipientInfos.Count);
        return KeyTransRecipientInfo.GetInstance(RecipientInfo.GetInstance(enveloped.RecipientInfos[0]).Info);
    }
}
