using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Actors.Scep;
using Org.BouncyCastle.Asn1.X509;

namespace CertConnector.Host.Tests.Scep;

/// <summary>The Debian package's scepclient (micromdm 2.1.0), run as a device would.</summary>
public static class ScepClientTool
{
    /// <param name="dir">the working directory (scepclient leaves csr.pem there and reuses it); a new one if null.</param>
    /// <param name="name">the file name of the private key (.key) and certificate (.crt) in it.</param>
    public static (int Exit, string Output, string Dir) Run(string scepUrl, string cn, string challenge, string? dir = null, string name = "device")
    {
        dir ??= Tools.TempDir("scepclient");
        var info = new System.Diagnostics.ProcessStartInfo("scepclient") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in new[] { "-server-url", scepUrl, "-challenge", challenge, "-private-key", Path.Combine(dir, name + ".key"),
                     "-certificate", Path.Combine(dir, name + ".crt"), "-cn", cn, "-keySize", "2048" })
            info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) p.Kill();
        return (p.ExitCode, output.Result + errors.Result, dir);
    }
}

/// <summary>Enrollment with the Debian package's scepclient: a client nobody here wrote.</summary>
[Trait("Category", "Interop")]
public sealed class ScepClientInteropTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    private const string ScepClientSubject = "CN={0},OU=MDM,O=scep-client,C=US"; // scepclient adds O, OU and C

    private (int Exit, string Output, string Dir) RunScepClient(string cn, string challenge, string? dir = null, string name = "device") =>
        ScepClientTool.Run(connector.Process.ScepUrl, cn, challenge, dir, name);

    [Fact]
    public void Scepclient_enrolls_by_POST_and_openssl_verifies_the_certificate()
    {
        var challenge = connector.Challenge(string.Format(ScepClientSubject, "device-post"));
        var (exit, output, dir) = RunScepClient("device-post", challenge);
        Assert.True(exit == 0, output);
        Assert.Contains("pkiStatus=SUCCESS", output);
        var cert = Path.Combine(dir, "device.crt");
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, cert));
        var text = Tools.OpenSsl("x509", "-in", cert, "-noout", "-text");
        Assert.Contains("TLS Web Client Authentication", text);
        Assert.Equal(Tools.OpenSsl("pkey", "-in", Path.Combine(dir, "device.key"), "-pubout"), Tools.OpenSsl("x509", "-in", cert, "-pubkey", "-noout"));
    }

    [Fact]
    public void A_reused_challenge_is_a_scep_failure()
    {
        var challenge = connector.Challenge(string.Format(ScepClientSubject, "device-reuse"));
        Assert.Equal(0, RunScepClient("device-reuse", challenge).Exit);
        var (exit, output, dir) = RunScepClient("device-reuse", challenge);
        Assert.NotEqual(0, exit);
        Assert.Contains("failInfo: badRequest", output);
        Assert.False(File.Exists(Path.Combine(dir, "device.crt")));
    }

    /// <summary>
    /// scepclient renews when its -certificate is one the CA issued: a RenewalReq signed with it, for the CSR (and key) it
    /// kept in its directory, under the same transaction ID (a hash of the key) as the first enrollment.
    /// </summary>
    [Fact]
    public void Scepclient_renews_with_its_certificate_and_a_rerun_with_the_old_one_gets_the_same_renewed_certificate()
    {
        var challenge = connector.Challenge(string.Format(ScepClientSubject, "device-renew"));
        var (exit, output, dir) = RunScepClient("device-renew", challenge);
        Assert.True(exit == 0, output);
        var cert = Path.Combine(dir, "device.crt");
        var first = File.ReadAllText(cert);
        File.Copy(cert, Path.Combine(dir, "first.crt"));

        (exit, output, _) = RunScepClient("device-renew", "", dir);
        Assert.True(exit == 0, output);
        Assert.Contains("pkiStatus=SUCCESS", output);
        var renewed = File.ReadAllText(cert);
        Assert.NotEqual(first, renewed);
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, cert));
        Assert.NotEqual(Tools.OpenSsl("x509", "-in", Path.Combine(dir, "first.crt"), "-noout", "-serial"), Tools.OpenSsl("x509", "-in", cert, "-noout", "-serial"));
        Assert.Equal(Tools.OpenSsl("x509", "-in", Path.Combine(dir, "first.crt"), "-noout", "-subject"), Tools.OpenSsl("x509", "-in", cert, "-noout", "-subject"));

        // The first certificate again, with the same key and CSR: scepclient's transaction ID is the same, so it is a
        // retransmission of that renewal and gets the same renewed certificate, not a third one.
        File.Copy(Path.Combine(dir, "first.crt"), cert, overwrite: true);
        (exit, output, _) = RunScepClient("device-renew", "", dir);
        Assert.True(exit == 0, output);
        Assert.Equal(renewed, File.ReadAllText(cert));
    }

    [Fact]
    public void Scepclient_rerun_in_one_directory_with_new_keys_gets_the_same_certificate_every_time()
    {
        // Each run brings a new -private-key (so a new self-signed signer: a new request actor) but reuses the
        // csr.pem the first run left, so the same CSR key and transaction ID: one challenge, one certificate.
        var challenge = connector.Challenge(string.Format(ScepClientSubject, "device-rerun"));
        var dir = Tools.TempDir("scepclient-rerun");
        var serials = new List<string>();
        for (var run = 0; run < 3; run++)
        {
            var (exit, output, _) = RunScepClient("device-rerun", challenge, dir, $"run{run}");
            Assert.True(exit == 0, $"run {run}: {output}");
            serials.Add(Tools.OpenSsl("x509", "-in", Path.Combine(dir, $"run{run}.crt"), "-noout", "-serial").Trim());
        }
        Assert.True(File.Exists(Path.Combine(dir, "csr.pem")), "scepclient left its csr.pem to reuse");
        Assert.Single(serials.Distinct());
        Assert.Equal(1, IssuedCount("CN=device-rerun,"));
    }

    /// <summary>Certificates in the CA's issued store whose subject starts with <paramref name="subjectPrefix"/>.</summary>
    private long IssuedCount(string subjectPrefix)
    {
        var path = Path.Combine(connector.Process.DataDir, "ca", "issued.db");
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = "SELECT count(*) FROM issued_certificates WHERE subject LIKE $prefix || '%'";
        count.Parameters.AddWithValue("$prefix", subjectPrefix);
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public void A_wrong_challenge_is_a_scep_failure()
    {
        connector.Challenge(string.Format(ScepClientSubject, "device-wrong"));
        var (exit, output, _) = RunScepClient("device-wrong", "not-the-challenge");
        Assert.NotEqual(0, exit);
        Assert.Contains("failInfo: badRequest", output);
    }

    [Fact]
    public void A_csr_whose_subject_differs_from_the_binding_is_a_scep_failure()
    {
        var challenge = connector.Challenge(string.Format(ScepClientSubject, "device-a"));
        var (exit, output, _) = RunScepClient("device-b", challenge);
        Assert.NotEqual(0, exit);
        Assert.Contains("failInfo: badRequest", output);
    }

    [Fact]
    public void An_expired_challenge_is_a_scep_failure()
    {
        var challenge = connector.Challenge(string.Format(ScepClientSubject, "device-late"), ttl: "1s");
        var deadline = DateTime.UtcNow.AddSeconds(1.5);
        while (DateTime.UtcNow < deadline) Thread.Sleep(100); // let the real clock pass the challenge's expiry
        var (exit, output, _) = RunScepClient("device-late", challenge);
        Assert.NotEqual(0, exit);
        Assert.Contains("failInfo: badRequest", output);
    }
}

/// <summary>What scepclient cannot exercise, with our BouncyCastle client against the running host.</summary>
[Trait("Category", "Interop")]
public sealed class ScepProtocolTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    public static TheoryData<string, ScepKeyTransport, string, ChallengeStringType, bool, bool> Variants => new()
    {
        // name,          key transport,               content,              challenge string,             BER,   GET
        { "aes128-post",  ScepKeyTransport.Pkcs1v15,   ScepOids.Aes128Cbc,   ChallengeStringType.Printable, false, false },
        { "get",          ScepKeyTransport.Pkcs1v15,   ScepOids.Aes128Cbc,   ChallengeStringType.Printable, false, true },
        { "oaep-aes256",  ScepKeyTransport.OaepSha256, ScepOids.Aes256Cbc,   ChallengeStringType.Printable, false, false },
        { "oaep1-des3",   ScepKeyTransport.OaepSha1,   ScepOids.DesEde3Cbc,  ChallengeStringType.Utf8,      false, false },
        { "bmp",          ScepKeyTransport.Pkcs1v15,   ScepOids.Aes192Cbc,   ChallengeStringType.Bmp,       false, false },
        { "ber",          ScepKeyTransport.Pkcs1v15,   ScepOids.Aes256Cbc,   ChallengeStringType.Printable, true,  false },
        { "ber-get",      ScepKeyTransport.OaepSha256, ScepOids.DesEde3Cbc,  ChallengeStringType.Bmp,       true,  true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Enrolls_with_each_algorithm_encoding_and_method(string name, ScepKeyTransport transport, string content,
        ChallengeStringType challengeType, bool ber, bool get)
    {
        var subject = $"CN=bc-{name}";
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, subject);
        var csr = ScepClient.CreateCsr(key, subject, connector.Challenge(subject), challengeType);
        var options = new PkiMessageOptions { KeyTransport = transport, ContentAlgorithmOid = content, Ber = ber };

        var reply = await connector.Http.EnrollAsync(key, signer, csr, options, get);

        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        Assert.Equal(content, reply.ContentEncryptionAlgorithmOid); // answered with the client's own algorithm
        var issued = reply.Certificates[0];
        Assert.Equal(subject, issued.SubjectDN.ToString());
        issued.Verify(connector.Http.CaCerts.Single(c => c.GetBasicConstraints() >= 0).GetPublicKey());
    }

    [Fact]
    public async Task A_retransmission_gets_the_same_certificate()
    {
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=retransmit");
        var message = connector.Http.Client.PkcsReq(ScepClient.CreateCsr(key, "CN=retransmit", connector.Challenge("CN=retransmit")), signer, key.Private);
        var first = connector.Http.Decode((await connector.Http.PostAsync(message.Bytes)).Body, signer, key);
        var again = connector.Http.Decode((await connector.Http.PostAsync(message.Bytes)).Body, signer, key);
        Assert.Equal(ScepPkiStatus.Success, again.Status);
        Assert.Equal(first.Certificates[0].SerialNumber, again.Certificates[0].SerialNumber);
    }

    [Fact]
    public async Task RenewalReq_signed_by_our_certificate_needs_no_challenge()
    {
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=renew-me");
        var first = await connector.Http.EnrollAsync(key, signer, ScepClient.CreateCsr(key, "CN=renew-me", connector.Challenge("CN=renew-me")));
        var existing = first.Certificates[0];

        var newKey = ScepHttpClient.NewKey();
        var renewal = connector.Http.Client.RenewalReq(ScepClient.CreateCsr(newKey, "CN=renew-me"), existing, key.Private);
        var reply = connector.Http.Decode((await connector.Http.PostAsync(renewal.Bytes)).Body, existing, key);

        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        Assert.NotEqual(existing.SerialNumber, reply.Certificates[0].SerialNumber);
        Assert.Equal(newKey.Public, reply.Certificates[0].GetPublicKey());
    }

    [Fact]
    public async Task RenewalReq_signed_by_a_stranger_is_refused()
    {
        var key = ScepHttpClient.NewKey();
        var stranger = ScepClient.SelfSigned(key, "CN=stranger");
        var renewal = connector.Http.Client.RenewalReq(ScepClient.CreateCsr(key, "CN=stranger"), stranger, key.Private);
        var reply = connector.Http.Decode((await connector.Http.PostAsync(renewal.Bytes)).Body, stranger, key);
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (reply.Status, reply.FailInfo));
    }

    [Fact]
    public async Task GetCert_returns_an_issued_certificate_and_badCertId_for_an_unknown_serial()
    {
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=getcert");
        var issued = (await connector.Http.EnrollAsync(key, signer, ScepClient.CreateCsr(key, "CN=getcert", connector.Challenge("CN=getcert")))).Certificates[0];

        var get = connector.Http.Client.GetCert(issued.IssuerDN, issued.SerialNumber, signer, key.Private);
        var found = connector.Http.Decode((await connector.Http.PostAsync(get.Bytes)).Body, signer, key);
        Assert.Equal(issued.SerialNumber, found.Certificates[0].SerialNumber);

        var missing = connector.Http.Client.GetCert(issued.IssuerDN, Org.BouncyCastle.Math.BigInteger.ValueOf(12345), signer, key.Private);
        var notFound = connector.Http.Decode((await connector.Http.PostAsync(missing.Bytes)).Body, signer, key);
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadCertId), (notFound.Status, notFound.FailInfo));
    }

    [Fact]
    public async Task GetCRL_returns_the_ca_crl_and_another_issuer_is_badCertId()
    {
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=crl");
        var ca = connector.Http.CaCerts.Single(c => c.GetBasicConstraints() >= 0);
        var reply = connector.Http.Decode((await connector.Http.PostAsync(connector.Http.Client.GetCrl(ca.SubjectDN, ca.SerialNumber, signer, key.Private).Bytes)).Body, signer, key);
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        var crl = Assert.Single(reply.Crls);
        crl.Verify(ca.GetPublicKey());
        Assert.Equal(ca.SubjectDN, crl.IssuerDN);
        Assert.Empty(reply.Certificates);

        var other = connector.Http.Client.GetCrl(new X509Name("CN=Someone Else"), ca.SerialNumber, signer, key.Private);
        var refused = connector.Http.Decode((await connector.Http.PostAsync(other.Bytes)).Body, signer, key);
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadCertId), (refused.Status, refused.FailInfo));
    }

    [Fact]
    public async Task Capabilities_and_ca_certificates_are_served_on_both_paths()
    {
        using var http = new HttpClient();
        foreach (var path in new[] { connector.Process.ScepUrl, connector.Process.ScepUrl.Replace("/scep", "/certsrv/mscep/mscep.dll") })
        {
            var caps = await http.GetStringAsync(path + "?operation=GetCACaps");
            Assert.Equal(["POSTPKIOperation", "SHA-256", "SHA-512", "AES", "DES3", "SCEPStandard", "Renewal", "GetNextCACert"],
                caps.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using var caCert = await http.GetAsync(path + "?operation=GetCACert");
            Assert.Equal("application/x-x509-ca-ra-cert", caCert.Content.Headers.ContentType!.MediaType);
            using var next = await http.GetAsync(path + "?operation=GetNextCACert");
            Assert.Equal("application/x-x509-next-ca-cert", next.Content.Headers.ContentType!.MediaType);
        }
        var ra = connector.Http.Ra;
        Assert.True(ra.GetKeyUsage()[0] && ra.GetKeyUsage()[2], "the RA certificate has digitalSignature and keyEncipherment");
    }

    [Fact]
    public async Task Garbage_is_400_oversize_is_413_and_the_admin_api_is_not_on_the_scep_port()
    {
        using var http = new HttpClient();
        var url = connector.Process.ScepUrl;
        Assert.Equal(400, (int)(await http.PostAsync(url + "?operation=PKIOperation", new ByteArrayContent("hello"u8.ToArray()))).StatusCode);
        Assert.Equal(413, (int)(await http.PostAsync(url + "?operation=PKIOperation", new ByteArrayContent(new byte[1024 * 1024]))).StatusCode);
        Assert.Equal(400, (int)(await http.GetAsync(url + "?operation=PKIOperation&message=%%%")).StatusCode);
        Assert.Equal(400, (int)(await http.GetAsync(url + "?operation=Nope")).StatusCode);
        Assert.Equal(404, (int)(await http.GetAsync(url.Replace("/scep", "/api/v1/ca/certificate"))).StatusCode);
        Assert.Equal(404, (int)(await http.GetAsync(connector.Process.AdminUrl + "/scep?operation=GetCACaps")).StatusCode);
    }
}
