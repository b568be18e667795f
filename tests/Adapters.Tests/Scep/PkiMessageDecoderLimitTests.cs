using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Scep;

/// <summary>What bounds the work one pkiMessage can cost: recipients, RSA key sizes, single DES.</summary>
public class PkiMessageDecoderLimitTests
{
    private const string Subject = "CN=limits,O=CertConnector Tests";
    private static readonly ScepTestPki Pki = ScepTestPki.Instance;
    private static readonly SecureRandom Random = new();
    private readonly ScepClient _client = new(Pki.RaCert);
    private readonly PkiMessageDecoder _decoder = new(Pki.RaCert, Pki.RaKey.Private);

    private BuiltPkiMessage Request(PkiMessageOptions? options = null, byte[]? csr = null, X509Certificate? signer = null) =>
        _client.PkcsReq(csr ?? ScepClient.CreateCsr(Pki.ClientKey, Subject, "pw"), signer ?? ScepTestPki.SelfSigned(Pki.ClientKey, Subject),
            Pki.ClientKey.Private, options);

    private ScepDecodeException Refused(byte[] body) => Assert.Throws<ScepDecodeException>(() => _decoder.Decode(body));

    [Fact]
    public void Hundreds_of_recipients_naming_the_RA_are_badRequest_and_answerable()
    {
        var sent = Request(new PkiMessageOptions { AdditionalRecipients = Enumerable.Repeat(Pki.RaCert, 299).ToList() });
        var e = Refused(sent.Bytes);
        Assert.Equal(ScepFailInfo.BadRequest, e.FailInfo);
        Assert.Contains("300 recipients", e.Message);
        Assert.True(CertRepBuilder.CanAnswer(e));
    }

    [Fact]
    public void The_RA_named_twice_is_badRequest()
    {
        var e = Refused(Request(new PkiMessageOptions { AdditionalRecipients = [Pki.RaCert] }).Bytes);
        Assert.Equal(ScepFailInfo.BadRequest, e.FailInfo);
        Assert.Contains("2 times", e.Message);
    }

    [Fact]
    public void Other_recipients_beside_the_RA_are_skipped_up_to_the_limit()
    {
        // micromdm's scepclient encrypts to the CA and the RA: the CA's recipient must not stand in the way.
        var others = Enumerable.Repeat(Pki.CaCert, ScepMessageLimits.MaxRecipients - 1).ToList();
        Assert.Equal("pw", _decoder.Decode(Request(new PkiMessageOptions { AdditionalRecipients = others }).Bytes).ChallengePassword);
        var tooMany = Enumerable.Repeat(Pki.CaCert, ScepMessageLimits.MaxRecipients).ToList();
        Assert.Equal(ScepFailInfo.BadRequest, Refused(Request(new PkiMessageOptions { AdditionalRecipients = tooMany }).Bytes).FailInfo);
    }

    [Fact]
    public void Single_des_content_is_badAlg_unless_allowed_and_des3_and_aes_stay()
    {
        var des = Request(new PkiMessageOptions { ContentAlgorithmOid = CmsEnvelopedGenerator.DesCbc });
        var e = Refused(des.Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Equal(des.TransactionId, e.TransactionId); // answerable: the device is told badAlg
        Assert.Equal(ScepOids.DesCbc, new PkiMessageDecoder(Pki.RaCert, Pki.RaKey.Private, allowSingleDes: true).Decode(des.Bytes).ContentEncryptionAlgorithmOid);
        foreach (var kept in new[] { ScepOids.DesEde3Cbc, ScepOids.Aes128Cbc, ScepOids.Aes256Cbc })
            Assert.Equal(kept, _decoder.Decode(Request(new PkiMessageOptions { ContentAlgorithmOid = kept }).Bytes).ContentEncryptionAlgorithmOid);
    }

    [Fact]
    public void A_signer_key_over_8192_bits_is_badAlg_before_its_signature_is_checked()
    {
        // Not a real key (making one takes minutes): the modulus length alone must decide, before any RSA work.
        var signer = CertificateWithKey(FakeRsaKey(ScepMessageLimits.MaxRsaBits + 512), "CN=huge signer");
        var e = Refused(Request(signer: signer).Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Contains($"{ScepMessageLimits.MaxRsaBits + 512} bits", e.Message);
    }

    [Fact]
    public void A_csr_key_over_8192_bits_is_badAlg_before_its_signature_is_checked()
    {
        var e = Refused(Request(csr: CsrWithKey(FakeRsaKey(ScepMessageLimits.MaxRsaBits + 512))).Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Contains("PKCS#10", e.Message);
    }

    [Fact]
    public void A_csr_key_under_2048_bits_is_badAlg()
    {
        var small = ScepTestPki.NewRsaKey(1024);
        var e = Refused(Request(csr: ScepClient.CreateCsr(small, Subject, "pw")).Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Contains("1024 bits", e.Message);
    }

    [Fact]
    public void An_8192_bit_csr_key_is_within_the_limits()
    {
        // The boundary itself: read from the ASN.1 like any other, and refused only for its (fake) signature.
        var e = Refused(Request(csr: CsrWithKey(FakeRsaKey(ScepMessageLimits.MaxRsaBits))).Bytes);
        Assert.Equal(ScepFailInfo.BadMessageCheck, e.FailInfo);
    }

    [Fact]
    public void An_rsa_signerInfo_over_sha224_is_badAlg_since_only_BouncyCastle_could_check_it()
    {
        var e = Refused(Request(new PkiMessageOptions { DigestOid = ScepOids.Sha224 }).Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Contains("signerInfo digest", e.Message);
    }

    [Fact]
    public void A_renewal_signer_certificate_signed_with_sha224WithRSA_is_badAlg()
    {
        // Checking it would build the CA's RSA key as a BouncyCastle object (Miller-Rabin) for every such message.
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(4242));
        gen.SetIssuerDN(Pki.CaCert.SubjectDN);
        gen.SetSubjectDN(new X509Name(Subject));
        gen.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
        gen.SetNotAfter(DateTime.UtcNow.AddDays(1));
        gen.SetPublicKey(Pki.ClientKey.Public);
        var existing = gen.Generate(new Asn1SignatureFactory("SHA224WITHRSA", Pki.CaKey.Private, Random));
        var renewal = _client.RenewalReq(ScepClient.CreateCsr(Pki.ClientKey2, Subject), existing, Pki.ClientKey.Private);

        var e = Refused(renewal.Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Contains("signer certificate", e.Message);
    }

    [Theory]
    [InlineData("SHA224WITHRSA", ScepFailInfo.BadAlg)]
    [InlineData("SHA256WITHRSAANDMGF1", null)] // RSASSA-PSS with the usual parameters: checked by .NET
    [InlineData("SHA512WITHRSA", null)]
    public void A_csr_rsa_signature_is_accepted_only_where_dotnet_checks_it(string algorithm, ScepFailInfo? refusal)
    {
        var info = new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(new Asn1SignatureFactory(algorithm, Pki.ClientKey.Private), new X509Name(Subject),
            Pki.ClientKey.Public, new DerSet(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtChallengePassword, new DerSet(new DerPrintableString("pw")))));
        var body = Request(csr: info.GetDerEncoded()).Bytes;
        if (refusal is { } failInfo) Assert.Equal(failInfo, Refused(body).FailInfo);
        else Assert.Equal("pw", _decoder.Decode(body).ChallengePassword);
    }

    /// <summary>An RSA SubjectPublicKeyInfo with an odd modulus of exactly <paramref name="bits"/> bits.</summary>
    private static SubjectPublicKeyInfo FakeRsaKey(int bits)
    {
        var modulus = new BigInteger(bits, Random).SetBit(bits - 1).SetBit(0);
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance),
            new RsaPublicKeyStructure(modulus, BigInteger.ValueOf(65537)));
    }

    /// <summary>A certificate for <paramref name="key"/>, signed by the client key (the decoder must refuse before it checks).</summary>
    private static X509Certificate CertificateWithKey(SubjectPublicKeyInfo key, string subject)
    {
        var tbs = new V3TbsCertificateGenerator();
        tbs.SetSerialNumber(new DerInteger(BigInteger.ValueOf(77)));
        tbs.SetIssuer(new X509Name(subject));
        tbs.SetSubject(new X509Name(subject));
        tbs.SetStartDate(new Org.BouncyCastle.Asn1.X509.Time(DateTime.UtcNow.AddMinutes(-5)));
        tbs.SetEndDate(new Org.BouncyCastle.Asn1.X509.Time(DateTime.UtcNow.AddDays(1)));
        tbs.SetSubjectPublicKeyInfo(key);
        var algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);
        tbs.SetSignature(algorithm);
        var info = tbs.GenerateTbsCertificate();
        var signature = Sign(info.GetDerEncoded());
        return new X509Certificate(new X509CertificateStructure(info, algorithm, new DerBitString(signature)));
    }

    private static byte[] CsrWithKey(SubjectPublicKeyInfo key)
    {
        var challenge = new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtChallengePassword, new DerSet(new DerPrintableString("pw")));
        var info = new CertificationRequestInfo(new X509Name(Subject), key, new DerSet(challenge));
        var algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);
        return new CertificationRequest(info, algorithm, new DerBitString(Sign(info.GetDerEncoded()))).GetDerEncoded();
    }

    private static byte[] Sign(byte[] data)
    {
        var calculator = new Asn1SignatureFactory("SHA256WITHRSA", Pki.ClientKey.Private, Random).CreateCalculator();
        calculator.Stream.Write(data);
        calculator.Stream.Dispose();
        return ((IBlockResult)calculator.GetResult()).Collect();
    }
}
