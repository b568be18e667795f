using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Scep;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using CertConnector.Actors.Scep;

namespace CertConnector.Adapters.Tests.Scep;

/// <summary>Request → PkiMessageDecoder → CertRepBuilder → test client, for each algorithm and encoding a client may use.</summary>
public class ScepRoundTripTests
{
    private const string Subject = "CN=device-1,O=CertConnector Tests";
    private static readonly ScepTestPki Pki = ScepTestPki.Instance;
    private readonly ScepClient _client = new(Pki.RaCert);
    private readonly PkiMessageDecoder _decoder = new(Pki.RaCert, Pki.RaKey.Private);
    private readonly CertRepBuilder _builder = new(Pki.RaCert, Pki.RaKey.Private, [Pki.CaCert]);

    public static TheoryData<ScepKeyTransport, string, bool> Combinations()
    {
        var data = new TheoryData<ScepKeyTransport, string, bool>();
        foreach (var transport in Enum.GetValues<ScepKeyTransport>())
        foreach (var alg in new[] { ScepOids.Aes128Cbc, ScepOids.Aes192Cbc, ScepOids.Aes256Cbc, ScepOids.DesEde3Cbc })
        foreach (var ber in new[] { false, true })
            data.Add(transport, alg, ber);
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void PkcsReq_round_trips(ScepKeyTransport transport, string contentAlg, bool ber)
    {
        var options = new PkiMessageOptions { KeyTransport = transport, ContentAlgorithmOid = contentAlg, Ber = ber };
        var (sent, request, reply, self) = EnrolWithPkcsReq(options, "s3cret-123");

        if (ber) Assert.Equal(0x80, sent.Bytes[1]); // outer SEQUENCE really is indefinite-length
        Assert.Equal(ScepMessageType.PKCSReq, request.MessageType);
        Assert.Equal(sent.TransactionId, request.TransactionId);
        Assert.Equal(sent.SenderNonce, request.SenderNonce);
        Assert.Equal("s3cret-123", request.ChallengePassword);
        Assert.Equal(contentAlg, request.ContentEncryptionAlgorithmOid);
        Assert.Equal(transport == ScepKeyTransport.Pkcs1v15 ? PkcsObjectIdentifiers.RsaEncryption.Id : PkcsObjectIdentifiers.IdRsaesOaep.Id,
            request.KeyEncryptionAlgorithmOid);
        Assert.Equal(ScepOids.Sha256, request.DigestAlgorithmOid);
        Assert.Equal(self.GetEncoded(), request.SignerCertificate);
        Assert.True(request.SignerKeyMatchesCsr);
        Assert.True(request.SignerIsSelfSigned);
        Assert.NotNull(request.SigningTime);
        Assert.InRange(request.SigningTime!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        Assert.Null(reply.FailInfo);
        Assert.Equal(sent.TransactionId, reply.TransactionId);
        Assert.Equal(sent.SenderNonce, reply.RecipientNonce);
        Assert.Equal(16, reply.SenderNonce.Length);
        Assert.NotEqual(sent.SenderNonce, reply.SenderNonce);
        Assert.Equal(contentAlg, reply.ContentEncryptionAlgorithmOid);
        Assert.Equal(PkcsObjectIdentifiers.RsaEncryption.Id, reply.KeyTransportOid);
        Assert.Equal(ScepOids.Sha256, reply.DigestAlgorithmOid);
        Assert.Equal(2, reply.Certificates.Count);
        Assert.Equal(Subject, reply.Certificates[0].SubjectDN.ToString());
        Assert.Equal(Pki.CaCert, reply.Certificates[1]);
    }

    [Theory]
    [InlineData(ChallengeStringType.Printable, "Plain-challenge 42")]
    [InlineData(ChallengeStringType.Utf8, "pässwörd-ü")]
    [InlineData(ChallengeStringType.Bmp, "pässwörd-✓")]
    public void Challenge_password_is_read_in_each_string_type(ChallengeStringType type, string challenge)
    {
        var (_, request, _, _) = EnrolWithPkcsReq(new PkiMessageOptions(), challenge, type);
        Assert.Equal(challenge, request.ChallengePassword);
    }

    [Fact]
    public void Csr_without_challenge_gives_null_challenge()
    {
        var (_, request, _, _) = EnrolWithPkcsReq(new PkiMessageOptions(), challenge: null);
        Assert.Null(request.ChallengePassword);
    }

    [Fact]
    public void Recipient_named_by_subject_key_identifier_is_found()
    {
        var (_, request, reply, _) = EnrolWithPkcsReq(new PkiMessageOptions { RecipientByKeyId = true, Ber = true }, "x");
        Assert.Equal("x", request.ChallengePassword);
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
    }

    [Fact]
    public void Single_des_request_when_allowed_is_answered_with_des3()
    {
        var (_, request, reply, _) = EnrolWithPkcsReq(new PkiMessageOptions { ContentAlgorithmOid = CmsEnvelopedGenerator.DesCbc }, "x",
            decoder: new PkiMessageDecoder(Pki.RaCert, Pki.RaKey.Private, allowSingleDes: true));
        Assert.Equal(ScepOids.DesCbc, request.ContentEncryptionAlgorithmOid);
        Assert.Equal(ScepOids.DesEde3Cbc, reply.ContentEncryptionAlgorithmOid);
    }

    [Theory]
    [InlineData(ScepOids.Sha256)]
    [InlineData(ScepOids.Sha512)]
    public void CertRep_signerInfo_names_rsaEncryption_as_its_signature_algorithm(string requestDigest)
    {
        // strongSwan's pki refuses anything else ("only RSA digest encryption supported"); NDES sends the same.
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var request = _decoder.Decode(_client.PkcsReq(ScepClient.CreateCsr(Pki.ClientKey, Subject, "x"), self, Pki.ClientKey.Private,
            new PkiMessageOptions { DigestOid = requestDigest }).Bytes);
        foreach (var certRep in new[] { _builder.Success(request, [Pki.IssueFromCsr(request.Csr!)]), _builder.Pending(request), _builder.Failure(request, ScepFailInfo.BadRequest) })
        {
            var signer = new CmsSignedData(certRep).GetSignerInfos().GetSigners().Single();
            Assert.Equal(PkcsObjectIdentifiers.RsaEncryption.Id, signer.EncryptionAlgOid);
            Assert.Equal(requestDigest, signer.DigestAlgOid);
            Assert.True(signer.Verify(Pki.RaCert));
        }
    }

    [Theory]
    [InlineData(ScepOids.Sha512, ScepOids.Sha512)]
    [InlineData(ScepOids.Sha1, ScepOids.Sha256)]
    [InlineData(ScepOids.Sha384, ScepOids.Sha256)]
    public void Reply_digest_follows_request_only_for_sha512(string requestDigest, string replyDigest)
    {
        var (_, request, reply, _) = EnrolWithPkcsReq(new PkiMessageOptions { DigestOid = requestDigest }, "x");
        Assert.Equal(requestDigest, request.DigestAlgorithmOid);
        Assert.Equal(replyDigest, reply.DigestAlgorithmOid);
    }

    [Fact]
    public void RenewalReq_signed_with_existing_certificate_is_answered_to_that_certificate()
    {
        var oldKey = Pki.ClientKey;
        var oldCert = Pki.IssueFromCsr(ScepClient.CreateCsr(oldKey, Subject));
        var newKey = Pki.ClientKey2;
        var sent = _client.RenewalReq(ScepClient.CreateCsr(newKey, Subject), oldCert, oldKey.Private,
            new PkiMessageOptions { KeyTransport = ScepKeyTransport.OaepSha256, ContentAlgorithmOid = ScepOids.Aes256Cbc });

        var request = _decoder.Decode(sent.Bytes);
        Assert.Equal(ScepMessageType.RenewalReq, request.MessageType);
        Assert.False(request.SignerKeyMatchesCsr);
        Assert.False(request.SignerIsSelfSigned);
        Assert.Equal(oldCert.GetEncoded(), request.SignerCertificate);
        Assert.Null(request.ChallengePassword);

        var issued = Pki.IssueFromCsr(request.Csr!);
        var reply = ScepClient.DecodeCertRep(_builder.Success(request, [issued]), Pki.RaCert, oldCert, oldKey.Private);
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        Assert.Equal(ScepOids.Aes256Cbc, reply.ContentEncryptionAlgorithmOid);
        Assert.Equal(issued, Assert.Single(reply.Certificates));
        Assert.Equal(newKey.Public, reply.Certificates[0].GetPublicKey());
    }

    [Fact]
    public void CertPoll_yields_issuer_and_subject_and_a_pending_reply()
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var sent = _client.CertPoll(Pki.CaCert.SubjectDN, self.SubjectDN, self, Pki.ClientKey.Private,
            new PkiMessageOptions { TransactionId = "poll-tx-1", Ber = true });

        var request = _decoder.Decode(sent.Bytes);
        Assert.Equal(ScepMessageType.CertPoll, request.MessageType);
        Assert.Equal("poll-tx-1", request.TransactionId);
        Assert.Equal(Pki.CaCert.SubjectDN.GetDerEncoded(), request.IssuerName);
        Assert.Equal(self.SubjectDN.GetDerEncoded(), request.SubjectName);
        Assert.Null(request.Csr);

        var reply = ScepClient.DecodeCertRep(_builder.Pending(request), Pki.RaCert, self, Pki.ClientKey.Private);
        Assert.Equal(ScepPkiStatus.Pending, reply.Status);
        Assert.Null(reply.FailInfo);
        Assert.Equal("poll-tx-1", reply.TransactionId);
        Assert.Equal(sent.SenderNonce, reply.RecipientNonce);
    }

    [Fact]
    public void GetCert_yields_issuer_and_serial_and_returns_the_certificate()
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var existing = Pki.IssueFromCsr(ScepClient.CreateCsr(Pki.ClientKey2, "CN=other"));
        var sent = _client.GetCert(existing.IssuerDN, existing.SerialNumber, self, Pki.ClientKey.Private);

        var request = _decoder.Decode(sent.Bytes);
        Assert.Equal(ScepMessageType.GetCert, request.MessageType);
        Assert.Equal(existing.IssuerDN.GetDerEncoded(), request.IssuerName);
        Assert.Equal(new System.Numerics.BigInteger(existing.SerialNumber.LongValue), request.SerialNumber);

        var reply = ScepClient.DecodeCertRep(_builder.Success(request, [existing]), Pki.RaCert, self, Pki.ClientKey.Private);
        Assert.Equal(existing, Assert.Single(reply.Certificates));
    }

    [Fact]
    public void GetCrl_reply_carries_the_crl()
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var sent = _client.GetCrl(Pki.CaCert.IssuerDN, Pki.CaCert.SerialNumber, self, Pki.ClientKey.Private);
        var request = _decoder.Decode(sent.Bytes);
        Assert.Equal(ScepMessageType.GetCRL, request.MessageType);

        var crlGen = new X509V2CrlGenerator();
        crlGen.SetIssuerDN(Pki.CaCert.SubjectDN);
        crlGen.SetThisUpdate(DateTime.UtcNow);
        crlGen.SetNextUpdate(DateTime.UtcNow.AddDays(1));
        var crl = crlGen.Generate(new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("SHA256WITHRSA", Pki.CaKey.Private));

        var reply = ScepClient.DecodeCertRep(_builder.Success(request, [], [crl]), Pki.RaCert, self, Pki.ClientKey.Private);
        Assert.Empty(reply.Certificates);
        Assert.Equal(crl, Assert.Single(reply.Crls));
    }

    [Theory]
    [InlineData(ScepFailInfo.BadAlg)]
    [InlineData(ScepFailInfo.BadMessageCheck)]
    [InlineData(ScepFailInfo.BadRequest)]
    [InlineData(ScepFailInfo.BadTime)]
    [InlineData(ScepFailInfo.BadCertId)]
    public void Failure_reply_carries_fail_info(ScepFailInfo failInfo)
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, Subject);
        var sent = _client.PkcsReq(ScepClient.CreateCsr(Pki.ClientKey, Subject, "x"), self, Pki.ClientKey.Private);
        var request = _decoder.Decode(sent.Bytes);

        var reply = ScepClient.DecodeCertRep(_builder.Failure(request, failInfo), Pki.RaCert, self, Pki.ClientKey.Private);
        Assert.Equal(ScepPkiStatus.Failure, reply.Status);
        Assert.Equal(failInfo, reply.FailInfo);
        Assert.Equal(sent.TransactionId, reply.TransactionId);
        Assert.Equal(sent.SenderNonce, reply.RecipientNonce);
        Assert.Empty(reply.Certificates);
    }

    private (BuiltPkiMessage Sent, ScepRequestMessage Request, CertRepResult Reply, X509Certificate Self) EnrolWithPkcsReq(
        PkiMessageOptions options, string? challenge, ChallengeStringType type = ChallengeStringType.Printable, PkiMessageDecoder? decoder = null)
    {
        var key = Pki.ClientKey;
        var self = ScepTestPki.SelfSigned(key, Subject);
        var sent = _client.PkcsReq(ScepClient.CreateCsr(key, Subject, challenge, type), self, key.Private, options);
        var request = (decoder ?? _decoder).Decode(sent.Bytes);
        var issued = Pki.IssueFromCsr(request.Csr!);
        var reply = ScepClient.DecodeCertRep(_builder.Success(request, [issued, Pki.CaCert]), Pki.RaCert, self, key.Private);
        return (sent, request, reply, self);
    }
}
