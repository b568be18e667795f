using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Scep;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Cms;
using CertConnector.Actors.Scep;

namespace CertConnector.Adapters.Tests.Scep;

/// <summary>What the decoder refuses, and with which failInfo.</summary>
public class PkiMessageDecoderRejectionTests
{
    private const string Subject = "CN=device-2,O=CertConnector Tests";
    private static readonly ScepTestPki Pki = ScepTestPki.Instance;
    private readonly ScepClient _client = new(Pki.RaCert);
    private readonly PkiMessageDecoder _decoder = new(Pki.RaCert, Pki.RaKey.Private);

    private BuiltPkiMessage Request(PkiMessageOptions? options = null, byte[]? csr = null)
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        return _client.PkcsReq(csr ?? ScepClient.CreateCsr(Pki.ClientKey, Subject, "pw"), self, Pki.ClientKey.Private, options);
    }

    private ScepDecodeException Refused(byte[] body) => Assert.Throws<ScepDecodeException>(() => _decoder.Decode(body));

    [Fact]
    public void Tampered_signature_is_badMessageCheck_and_still_answerable()
    {
        var sent = Request();
        var signature = new CmsSignedData(sent.Bytes).GetSignerInfos().GetSigners().Single().GetSignature();
        var at = IndexOf(sent.Bytes, signature);
        Assert.True(at > 0);
        var tampered = (byte[])sent.Bytes.Clone();
        tampered[at + signature.Length / 2] ^= 0x01;

        var e = Refused(tampered);
        Assert.Equal(ScepFailInfo.BadMessageCheck, e.FailInfo);
        Assert.Equal(sent.TransactionId, e.TransactionId);
        Assert.Equal(sent.SenderNonce, e.SenderNonce);
        Assert.True(CertRepBuilder.CanAnswer(e));

        // The host can answer it with a signed FAILURE the device understands.
        var self = new Org.BouncyCastle.X509.X509Certificate(e.SignerCertificate!);
        var reply = ScepClient.DecodeCertRep(new CertRepBuilder(Pki.RaCert, Pki.RaKey.Private).Failure(e),
            Pki.RaCert, self, Pki.ClientKey.Private);
        Assert.Equal(ScepFailInfo.BadMessageCheck, reply.FailInfo);
        Assert.Equal(sent.SenderNonce, reply.RecipientNonce);
    }

    [Fact]
    public void Tampered_signed_attribute_is_badMessageCheck()
    {
        var sent = Request(new PkiMessageOptions { TransactionId = "AAAAAAAAAAAAAAAA" });
        var at = IndexOf(sent.Bytes, "AAAAAAAAAAAAAAAA"u8.ToArray());
        var tampered = (byte[])sent.Bytes.Clone();
        tampered[at] = (byte)'B';
        Assert.Equal(ScepFailInfo.BadMessageCheck, Refused(tampered).FailInfo);
    }

    [Theory]
    [InlineData("1.2.392.200011.61.1.1.1.2")] // Camellia-128-CBC
    [InlineData("1.2.410.200004.1.4")] // SEED-CBC
    public void Unknown_content_algorithm_is_badAlg(string alg)
    {
        var sent = Request(new PkiMessageOptions { ContentAlgorithmOid = alg });
        var e = Refused(sent.Bytes);
        Assert.Equal(ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Equal(sent.TransactionId, e.TransactionId);
    }

    [Fact]
    public void Md5_digest_is_badAlg()
    {
        var sent = Request(new PkiMessageOptions { DigestOid = CmsSignedGenerator.DigestMD5 });
        Assert.Equal(ScepFailInfo.BadAlg, Refused(sent.Bytes).FailInfo);
    }

    [Fact]
    public void Missing_transactionId_is_badRequest_and_not_answerable()
    {
        var e = Refused(Request(new PkiMessageOptions { OmitTransactionId = true }).Bytes);
        Assert.Equal(ScepFailInfo.BadRequest, e.FailInfo);
        Assert.Null(e.TransactionId);
        Assert.False(CertRepBuilder.CanAnswer(e));
    }

    [Fact]
    public void Missing_senderNonce_is_badRequest()
    {
        Assert.Equal(ScepFailInfo.BadRequest, Refused(Request(new PkiMessageOptions { OmitSenderNonce = true }).Bytes).FailInfo);
    }

    [Fact]
    public void Envelope_for_another_recipient_is_badMessageCheck()
    {
        var stranger = new ScepClient(ScepTestPki.SelfSigned(Pki.ClientKey2, "CN=not the RA"));
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var sent = stranger.PkcsReq(ScepClient.CreateCsr(Pki.ClientKey, Subject), self, Pki.ClientKey.Private);
        Assert.Equal(ScepFailInfo.BadMessageCheck, Refused(sent.Bytes).FailInfo);
    }

    [Fact]
    public void Csr_with_broken_self_signature_is_badMessageCheck()
    {
        var csr = ScepClient.CreateCsr(Pki.ClientKey, Subject, "pw");
        csr[^3] ^= 0x40; // inside the CSR's signature BIT STRING
        Assert.Equal(ScepFailInfo.BadMessageCheck, Refused(Request(csr: csr).Bytes).FailInfo);
    }

    [Fact]
    public void Envelope_content_that_is_not_a_csr_is_badRequest()
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var sent = _client.Build(ScepMessageType.PKCSReq, "not a CSR"u8.ToArray(), self, Pki.ClientKey.Private);
        Assert.Equal(ScepFailInfo.BadRequest, Refused(sent.Bytes).FailInfo);
    }

    [Fact]
    public void Signing_time_too_far_off_is_badTime_when_enabled()
    {
        var sent = Request(new PkiMessageOptions { SigningTime = DateTime.UtcNow.AddHours(-3) });
        var strict = new PkiMessageDecoder(Pki.RaCert, Pki.RaKey.Private, maxSigningTimeSkew: TimeSpan.FromMinutes(10));
        Assert.Equal(ScepFailInfo.BadTime, Assert.Throws<ScepDecodeException>(() => strict.Decode(sent.Bytes)).FailInfo);
        Assert.NotNull(_decoder.Decode(sent.Bytes)); // off by default: devices' clocks are often wrong before enrolment
    }

    [Fact]
    public void Random_garbage_is_not_scep()
    {
        var random = new Random(8894);
        for (int i = 0; i < 200; i++)
        {
            var garbage = new byte[random.Next(0, 600)];
            random.NextBytes(garbage);
            if (garbage.Length > 0 && random.Next(2) == 0) garbage[0] = 0x30; // sometimes look like a SEQUENCE
            Assert.Throws<NotScepException>(() => _decoder.Decode(garbage));
        }
    }

    [Fact]
    public void Valid_asn1_that_is_not_signed_data_is_not_scep()
    {
        Assert.Throws<NotScepException>(() => _decoder.Decode(Pki.CaCert.GetEncoded()));
        Assert.Throws<NotScepException>(() => _decoder.Decode("GET / HTTP/1.1\r\n\r\n"u8.ToArray()));
        var envelopeOnly = new CmsEnvelopedDataGenerator();
        envelopeOnly.AddKeyTransRecipient(Pki.RaCert);
        var enveloped = envelopeOnly.Generate(new CmsProcessableByteArray([1, 2, 3]), new DerObjectIdentifier(ScepOids.Aes128Cbc));
        Assert.Throws<NotScepException>(() => _decoder.Decode(enveloped.GetEncoded()));
    }

    [Fact]
    public void Deeply_nested_indefinite_lengths_are_refused_without_stack_overflow()
    {
        // Relies on BouncyCastle's nesting cap (see Asn1Guard); a regression there would crash the test host.
        const int depth = 100_000;
        var body = new byte[depth * 4];
        for (int i = 0; i < depth; i++) { body[2 * i] = 0x30; body[2 * i + 1] = 0x80; }
        Assert.Throws<NotScepException>(() => _decoder.Decode(body));
    }

    [Fact]
    public void Trailing_bytes_after_the_message_are_not_scep()
    {
        var sent = Request();
        Assert.Throws<NotScepException>(() => _decoder.Decode([.. sent.Bytes, 0x00, 0x01]));
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
