using CertConnector.Host.Tests.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Revocation;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace CertConnector.Adapters.Tests.Revocation;

public sealed class OcspResponderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTime _time = new(RevocationTestCa.Start);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("1.3.14.3.2.26")]
    [InlineData("2.16.840.1.101.3.4.2.1")] // SHA-256 CertIDs
    public async Task Good_revoked_and_unknown_signed_by_the_delegated_responder(string hash)
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var good = await RevocationTestCa.IssueAsync(ca, "good");
        var revoked = await RevocationTestCa.IssueAsync(ca, "revoked");
        _time.Now = RevocationTestCa.Start.AddMinutes(3);
        await ca.RevokeAsync(CertificateIds.SerialHex(revoked.SerialNumber), RevocationReason.KeyCompromise, CancellationToken.None);

        var (goodBasic, goodStatus) = Ask(responder, ca.CaCertificate, good.SerialNumber, hash);
        Assert.Null(goodStatus); // CertificateStatus.Good
        var signer = Assert.Single(goodBasic.GetCerts());
        goodBasic.Verify(signer.GetPublicKey());
        signer.Verify(ca.CaCertificate.GetPublicKey());
        Assert.Contains(KeyPurposeID.id_kp_OCSPSigning.Id, signer.GetExtendedKeyUsage().Select(o => o.Id));
        Assert.NotNull(signer.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNocheck));
        var single = goodBasic.Responses[0];
        Assert.Equal(_time.Now.UtcDateTime, single.ThisUpdate);
        Assert.Equal(_time.Now.AddHours(1).UtcDateTime, single.NextUpdate);

        var (_, revokedStatus) = Ask(responder, ca.CaCertificate, revoked.SerialNumber, hash);
        var status = Assert.IsType<RevokedStatus>(revokedStatus);
        Assert.Equal(CrlReason.KeyCompromise, status.RevocationReason);
        Assert.Equal(RevocationTestCa.Start.AddMinutes(3).UtcDateTime, status.RevocationTime);

        var (_, unknownStatus) = Ask(responder, ca.CaCertificate, BigInteger.ValueOf(0x1234567), hash);
        Assert.IsType<UnknownStatus>(unknownStatus);
    }

    [Fact]
    public async Task A_certificate_of_another_issuer_is_unknown_even_with_a_serial_we_issued()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var other = RevocationTestCa.Open(Path.Combine(_dir.Path, "other"), _time);
        var issued = await RevocationTestCa.IssueAsync(ca);
        var (_, status) = Ask(new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1)), other.CaCertificate, issued.SerialNumber);
        Assert.IsType<UnknownStatus>(status);
    }

    [Fact]
    public async Task The_nonce_is_echoed_and_such_answers_are_not_cacheable()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var certificate = await RevocationTestCa.IssueAsync(ca);
        var nonce = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

        var answer = responder.Respond(RevocationTestCa.OcspRequest(ca.CaCertificate, certificate.SerialNumber, nonce));
        Assert.False(answer.Cacheable);
        var basic = (BasicOcspResp)new OcspResp(answer.Body).GetResponseObject();
        var echoed = Asn1OctetString.GetInstance(Asn1OctetString.GetInstance(basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce)).GetOctets());
        Assert.Equal(nonce, echoed.GetOctets());

        var withoutNonce = responder.Respond(RevocationTestCa.OcspRequest(ca.CaCertificate, certificate.SerialNumber));
        Assert.True(withoutNonce.Cacheable);
        Assert.Null(((BasicOcspResp)new OcspResp(withoutNonce.Body).GetResponseObject()).GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce));
    }

    [Fact]
    public async Task A_cached_good_answer_turns_revoked_as_soon_as_the_certificate_is_revoked()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var certificate = await RevocationTestCa.IssueAsync(ca);
        var request = RevocationTestCa.OcspRequest(ca.CaCertificate, certificate.SerialNumber);
        var first = responder.Respond(request);
        Assert.Same(first, responder.Respond(request)); // served from the cache

        await ca.RevokeAsync(CertificateIds.SerialHex(certificate.SerialNumber), RevocationReason.CessationOfOperation, CancellationToken.None);
        var after = responder.Respond(request);
        Assert.NotSame(first, after);
        Assert.IsType<RevokedStatus>(((BasicOcspResp)new OcspResp(after.Body).GetResponseObject()).Responses[0].GetCertStatus());
    }

    [Fact]
    public void Unknown_is_not_remembered_and_a_known_status_is_reread_after_a_revocation()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var source = new SwitchableSource(ca.OcspCredentials());
        var responder = new OcspResponder(ca.CaCertificate, source, _time, TimeSpan.FromHours(1));
        var serial = BigInteger.ValueOf(0x4242);

        Assert.IsType<UnknownStatus>(AskWithNonce(responder, ca.CaCertificate, serial));
        source.Status = new CertificateStatusRecord(false, null, RevocationReason.Unspecified); // issued a moment later
        Assert.Null(AskWithNonce(responder, ca.CaCertificate, serial));
        source.Status = new CertificateStatusRecord(true, _time.Now, RevocationReason.KeyCompromise);
        Assert.Null(AskWithNonce(responder, ca.CaCertificate, serial)); // cached: the version did not change
        source.StatusVersion++;
        Assert.IsType<RevokedStatus>(AskWithNonce(responder, ca.CaCertificate, serial));
    }

    private sealed class SwitchableSource(OcspSigningCredentials credentials) : ICertificateStatusSource
    {
        public CertificateStatusRecord? Status { get; set; }
        public long StatusVersion { get; set; }
        public CertificateStatusRecord? Find(string serialHex) => Status;
        public OcspSigningCredentials OcspCredentials() => credentials;
    }

    /// <summary>
    /// Connector:Ca:OcspKeySpec=ec:p256: the responder certificate gets a P-256 key (replacing the RSA one of an earlier start),
    /// and openssl, which nobody here wrote, verifies the signed answers (with its nonce) and reads good and revoked from them.
    /// </summary>
    [Fact]
    public async Task An_ec_p256_responder_key_replaces_the_rsa_one_and_openssl_verifies_its_answers()
    {
        var options = CaTestSupport.Options(_dir.Path);
        var first = CertConnector.Adapters.Ca.BuiltIn.BuiltInCa.OpenOrCreate(options, _time).OcspSignerCertificate;
        Assert.IsType<Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters>(first.GetPublicKey()); // the default

        options.OcspKeySpec = CertConnector.Actors.Common.KeySpec.Parse("ec:p256");
        var ca = CertConnector.Adapters.Ca.BuiltIn.BuiltInCa.OpenOrCreate(options, _time);
        var signer = ca.OcspSignerCertificate;
        Assert.Equal(256, Assert.IsType<Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters>(signer.GetPublicKey()).Parameters.Curve.FieldSize);
        Assert.Equal(signer, CertConnector.Adapters.Ca.BuiltIn.BuiltInCa.OpenOrCreate(options, _time).OcspSignerCertificate); // kept on the next start

        var good = await RevocationTestCa.IssueAsync(ca, "good");
        var revoked = await RevocationTestCa.IssueAsync(ca, "revoked");
        await ca.RevokeAsync(CertificateIds.SerialHex(revoked.SerialNumber), RevocationReason.KeyCompromise, CancellationToken.None);
        var responder = new OcspResponder(ca.CaCertificate, ca, TimeProvider.System, TimeSpan.FromHours(1));
        var caPem = Path.Combine(_dir.Path, "ca.pem");
        File.WriteAllText(caPem, Pem(ca.CaCertificate));
        foreach (var (certificate, expected) in new[] { (good, "good"), (revoked, "revoked") })
        {
            var serial = "0x" + certificate.SerialNumber.ToString(16);
            string request = Path.Combine(_dir.Path, "request.der"), response = Path.Combine(_dir.Path, "response.der");
            Tools.OpenSsl("ocsp", "-issuer", caPem, "-serial", serial, "-reqout", request); // with openssl's own nonce
            File.WriteAllBytes(response, responder.Respond(File.ReadAllBytes(request)).Body);
            // Given its request, openssl checks the nonce came back (it fails with "Nonce Verify error" otherwise).
            var output = Tools.OpenSsl("ocsp", "-reqin", request, "-respin", response, "-CAfile", caPem, "-resp_text");
            Assert.Contains("Response verify OK", output);
            Assert.Contains($"Cert Status: {expected}", output);
            Assert.Contains("Public Key Algorithm: id-ecPublicKey", output); // the responder certificate it verified with
            Assert.Contains("Signature Algorithm: ecdsa-with-SHA256", output);
        }
    }

    private static string Pem(X509Certificate certificate) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(certificate.GetEncoded(), Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";

    private static CertificateStatus? AskWithNonce(OcspResponder responder, X509Certificate issuer, BigInteger serial)
    {
        var answer = responder.Respond(RevocationTestCa.OcspRequest(issuer, serial, [1, 2, 3]));
        return (CertificateStatus?)((BasicOcspResp)new OcspResp(answer.Body).GetResponseObject()).Responses[0].GetCertStatus();
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("3000")]
    [InlineData("300330010A")]
    [InlineData("308080")]
    [InlineData("30820001")]
    public void Malformed_requests_get_a_malformedRequest_response(string hex)
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var answer = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1)).Respond(Convert.FromHexString(hex));
        Assert.False(answer.Successful);
        Assert.Equal(OcspRespStatus.MalformedRequest, new OcspResp(answer.Body).Status);
    }

    [Fact]
    public async Task Every_mutation_of_a_valid_request_is_answered_never_thrown()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var valid = RevocationTestCa.OcspRequest(ca.CaCertificate, (await RevocationTestCa.IssueAsync(ca)).SerialNumber, [9, 9, 9, 9]);
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            if (i % 5 == 0) mutated = mutated[..random.Next(mutated.Length)];
            var status = new OcspResp(responder.Respond(mutated).Body).Status;
            Assert.True(status is OcspRespStatus.Successful or OcspRespStatus.MalformedRequest, $"mutation {i}: status {status}");
        }
    }

    [Fact]
    public async Task Requests_over_the_size_or_certid_limits_are_malformed_and_within_them_answered()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var serial = (await RevocationTestCa.IssueAsync(ca)).SerialNumber;

        Assert.True(responder.Respond(Padded(ca.CaCertificate, serial, OcspResponder.MaxRequestBytes - 200)).Successful);
        var oversized = Padded(ca.CaCertificate, serial, OcspResponder.MaxRequestBytes);
        Assert.True(oversized.Length > OcspResponder.MaxRequestBytes);
        AssertMalformed(responder.Respond(oversized));

        Assert.True(responder.Respond(ManyCertIds(ca.CaCertificate, OcspResponder.MaxCertIds)).Successful);
        AssertMalformed(responder.Respond(ManyCertIds(ca.CaCertificate, OcspResponder.MaxCertIds + 1)));
        Assert.Equal(2, responder.CachedAnswers); // the padded single CertID and the eight; nothing for the refused ones
    }

    [Fact]
    public async Task Padded_variants_of_one_certid_share_one_cache_entry_and_nonce_requests_get_their_own_nonce()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var serial = (await RevocationTestCa.IssueAsync(ca)).SerialNumber;

        var first = responder.Respond(RevocationTestCa.OcspRequest(ca.CaCertificate, serial));
        for (var padding = 1; padding < 3000; padding += 97)
        {
            var variant = Padded(ca.CaCertificate, serial, padding, requestorName: padding % 2 == 0);
            Assert.Same(first, responder.Respond(variant));
        }
        Assert.Equal(1, responder.CachedAnswers);

        for (var i = 0; i < 20; i++)
        {
            var nonce = Guid.NewGuid().ToByteArray();
            var answer = responder.Respond(RevocationTestCa.OcspRequest(ca.CaCertificate, serial, nonce));
            Assert.False(answer.Cacheable);
            var basic = (BasicOcspResp)new OcspResp(answer.Body).GetResponseObject();
            var echoed = Asn1OctetString.GetInstance(Asn1OctetString.GetInstance(basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce)).GetOctets());
            Assert.Equal(nonce, echoed.GetOctets());
        }
        Assert.Equal(1, responder.CachedAnswers);
        Assert.Same(first, responder.Respond(RevocationTestCa.OcspRequest(ca.CaCertificate, serial)));
    }

    [Fact]
    public void The_cache_stays_within_its_byte_budget_under_a_flood_of_distinct_serials()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        const long budget = 32 * 1024;
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1), budget);
        var bodies = 0L;
        for (var serial = 1; serial <= 300; serial++)
        {
            var answer = responder.Respond(RevocationTestCa.OcspRequest(ca.CaCertificate, BigInteger.ValueOf(serial)));
            Assert.True(answer.Cacheable);
            bodies += answer.Body.Length;
            Assert.InRange(responder.CachedBytes, 1, budget);
        }
        Assert.True(bodies > 4 * budget, $"the flood ({bodies} bytes of answers) must overflow the budget several times over");
        Assert.InRange(responder.CachedAnswers, 2, 299);
        // The latest answers are still served from the cache.
        var last = RevocationTestCa.OcspRequest(ca.CaCertificate, BigInteger.ValueOf(300));
        Assert.Same(responder.Respond(last), responder.Respond(last));
    }

    [Fact]
    public async Task A_certid_whose_hash_algorithm_has_parameters_other_than_null_is_malformed()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var responder = new OcspResponder(ca.CaCertificate, ca, _time, TimeSpan.FromHours(1));
        var serial = (await RevocationTestCa.IssueAsync(ca)).SerialNumber;
        var id = new CertificateID(new AlgorithmIdentifier(new DerObjectIdentifier("1.3.14.3.2.26"), new DerOctetString(new byte[500])), ca.CaCertificate, serial);
        var generator = new OcspReqGenerator();
        generator.AddRequest(id);
        AssertMalformed(responder.Respond(generator.Generate().GetEncoded()));
        Assert.Equal(0, responder.CachedAnswers);
    }

    /// <summary>A request for one CertID with about <paramref name="padding"/> bytes more: a junk non-critical extension, or a requestor name.</summary>
    private static byte[] Padded(X509Certificate issuer, BigInteger serial, int padding, bool requestorName = false)
    {
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(Sha1, issuer, serial));
        if (requestorName) generator.SetRequestorName(new GeneralName(GeneralName.DnsName, new string('a', padding)));
        else
            generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [new DerObjectIdentifier("1.3.6.1.4.1.99999.1")] = new(false, new DerOctetString(new byte[padding])),
            }));
        return generator.Generate().GetEncoded();
    }

    private static byte[] ManyCertIds(X509Certificate issuer, int count)
    {
        var generator = new OcspReqGenerator();
        for (var i = 1; i <= count; i++) generator.AddRequest(new CertificateID(Sha1, issuer, BigInteger.ValueOf(0x1000 + i)));
        return generator.Generate().GetEncoded();
    }

    private static readonly AlgorithmIdentifier Sha1 = new(new DerObjectIdentifier("1.3.14.3.2.26"), DerNull.Instance);

    private static void AssertMalformed(OcspAnswer answer)
    {
        Assert.False(answer.Successful);
        Assert.Equal(OcspRespStatus.MalformedRequest, new OcspResp(answer.Body).Status);
    }

    private static (BasicOcspResp Basic, CertificateStatus? Status) Ask(OcspResponder responder, X509Certificate issuer, BigInteger serial,
        string hash = "1.3.14.3.2.26")
    {
        var answer = responder.Respond(RevocationTestCa.OcspRequest(issuer, serial, hash: hash));
        var response = new OcspResp(answer.Body);
        Assert.Equal(OcspRespStatus.Successful, response.Status);
        var basic = (BasicOcspResp)response.GetResponseObject();
        return (basic, (CertificateStatus?)basic.Responses[0].GetCertStatus());
    }
}
