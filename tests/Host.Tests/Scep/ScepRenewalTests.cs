using System.Diagnostics;
using CertConnector.Actors.Common;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Tests.Scep;

/// <summary>
/// A renewal may extend a SCEP certificate, never widen it, and only once: each refusal is a FAILURE badRequest
/// to the device and a 4005 that names what differed. certmonger's helper renews by GET with the old key.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ScepRenewalRulesTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    private static readonly SubjectAltName[] Sans = [new("dns", "device.example"), new("upn", "device@contoso.example")];

    private async Task<(AsymmetricCipherKeyPair Key, X509Certificate Certificate)> Enroll(string subject)
    {
        var minted = connector.Process.Cli(["scep", "challenge", "--subject", subject, .. Sans.SelectMany(s => new[] { "--san", s.ToString() })]);
        Assert.True(minted.ExitCode == 0, minted.ToString());
        var key = ScepHttpClient.NewKey();
        var csr = ScepClient.CreateCsr(key, subject, minted.Json.GetProperty("challenge").GetString(), sans: Sans);
        var reply = await connector.Http.EnrollAsync(key, ScepClient.SelfSigned(key, subject), csr);
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        return (key, reply.Certificates[0]);
    }

    private async Task<(CertRepResult Reply, string TransactionId)> Renew((AsymmetricCipherKeyPair Key, X509Certificate Certificate) old, string subject,
        IReadOnlyList<SubjectAltName> sans, string? transactionId = null)
    {
        var message = connector.Http.Client.RenewalReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), subject, sans: sans), old.Certificate, old.Key.Private,
            new PkiMessageOptions { TransactionId = transactionId });
        var (status, body) = await connector.Http.PostAsync(message.Bytes);
        Assert.Equal(200, status);
        return (connector.Http.Decode(body, old.Certificate, old.Key), message.TransactionId);
    }

    private void AssertRefused(CertRepResult reply, string transactionId, string because)
    {
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (reply.Status, reply.FailInfo));
        connector.Process.WaitUntil(() => ConnectorLogs.Events(connector.Process.DataDir, 4005, transactionId).Count > 0, TimeSpan.FromSeconds(10), "the 4005");
        var logged = Assert.Single(ConnectorLogs.Events(connector.Process.DataDir, 4005, transactionId)).GetProperty("message").GetString()!;
        Assert.Contains(because, logged);
    }

    private static string Serial(X509Certificate certificate) => Convert.ToHexString(certificate.SerialNumber.ToByteArrayUnsigned());

    [Fact]
    public async Task A_renewal_that_adds_a_dns_name_is_refused_with_4005_naming_it()
    {
        var old = await Enroll("CN=adds-dns");
        var (reply, tx) = await Renew(old, "CN=adds-dns", [.. Sans, new("dns", "x.example")]);
        AssertRefused(reply, tx, $"the new request adds DNS name x.example which certificate {Serial(old.Certificate)} does not have");
    }

    [Fact]
    public async Task A_renewal_that_adds_a_upn_is_refused_with_4005_naming_it()
    {
        var old = await Enroll("CN=adds-upn");
        var (reply, tx) = await Renew(old, "CN=adds-upn", [Sans[0], new("upn", "admin@contoso.example")]);
        AssertRefused(reply, tx, $"the new request adds UPN admin@contoso.example which certificate {Serial(old.Certificate)} does not have");
    }

    [Fact]
    public async Task A_revoked_certificate_cannot_renew()
    {
        var old = await Enroll("CN=revoked-renewer");
        var revoke = connector.Process.Cli("revocation", "request", "--serial", Serial(old.Certificate));
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        var revocation = revoke.Json.GetProperty("requestId").GetString()!;
        connector.Process.WaitUntil(() => connector.Process.Cli("revocation", "show", revocation) is { ExitCode: 0 } show
            && show.Json.GetProperty("resultUploaded").GetBoolean(), TimeSpan.FromSeconds(60), "the revocation");
        var (reply, tx) = await Renew(old, "CN=revoked-renewer", Sans);
        AssertRefused(reply, tx, $"certificate {Serial(old.Certificate)} is revoked");
    }

    [Fact]
    public async Task A_certificate_renews_once_its_retransmission_gets_the_same_certificate_and_a_second_renewal_is_refused()
    {
        var old = await Enroll("CN=renews-once");
        var (first, tx) = await Renew(old, "CN=renews-once", [Sans[0]]);
        Assert.Equal(ScepPkiStatus.Success, first.Status);
        var renewed = first.Certificates[0];
        Assert.Equal(["device.example"], renewed.GetSubjectAlternativeNames().Select(n => n[1]!.ToString()));

        var (again, _) = await Renew(old, "CN=renews-once", [Sans[0]], tx); // the same transaction (a retransmission with its key)
        Assert.Equal(Serial(renewed), Serial(again.Certificates[0]));

        var (second, secondTx) = await Renew(old, "CN=renews-once", [Sans[0]]); // a new transaction, the same (now superseded) signer
        AssertRefused(second, secondTx, $"certificate {Serial(old.Certificate)} was already renewed or superseded (by certificate {Serial(renewed)})");
    }

    /// <summary>
    /// certmonger's SCEP helper, driven as the daemon drives it: the rekey PKCSReq (signed with the old certificate and
    /// key) in CERTMONGER_PKCSREQ_REKEY; it asks GetCACaps, sees Renewal, sends the PKIOperation by GET, verifies the
    /// signed CertRep and prints the envelope, which only the old key opens (openssl cms).
    /// </summary>
    [Fact]
    public async Task Certmonger_scep_submit_renews_by_GET_with_the_old_key_and_a_second_renewal_is_rejected()
    {
        const string subject = "CN=certmonger-renewal";
        var old = await Enroll(subject);
        var dir = Tools.TempDir("certmonger");
        var newKey = ScepHttpClient.NewKey();
        // certmonger rekeys with a PKCSReq signed by the current certificate, not a RenewalReq.
        var rekey = connector.Http.Client.PkcsReq(ScepClient.CreateCsr(newKey, subject, sans: Sans), old.Certificate, old.Key.Private);

        var (exit, output) = ScepSubmit(rekey.Bytes);
        Assert.True(exit == 0, output);
        File.WriteAllText(Path.Combine(dir, "envelope.pem"), output);
        File.WriteAllText(Path.Combine(dir, "old.crt"), Pem(old.Certificate));
        File.WriteAllText(Path.Combine(dir, "old.key"), Pem(old.Key.Private));
        Tools.OpenSsl("cms", "-decrypt", "-inform", "PEM", "-in", Path.Combine(dir, "envelope.pem"), "-recip", Path.Combine(dir, "old.crt"),
            "-inkey", Path.Combine(dir, "old.key"), "-out", Path.Combine(dir, "certs.p7b"));
        var printed = Tools.OpenSsl("pkcs7", "-inform", "DER", "-in", Path.Combine(dir, "certs.p7b"), "-print_certs");
        var renewed = new X509CertificateParser().ReadCertificates(System.Text.Encoding.ASCII.GetBytes(printed)).First();
        Assert.Equal(newKey.Public, renewed.GetPublicKey());
        Assert.NotEqual(Serial(old.Certificate), Serial(renewed));
        Assert.Equal(old.Certificate.SubjectDN.ToString(), renewed.SubjectDN.ToString());

        var another = connector.Http.Client.PkcsReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), subject, sans: Sans), old.Certificate, old.Key.Private);
        var (refused, refusal) = ScepSubmit(another.Bytes);
        Assert.True(refused == 2, refusal); // CM_SUBMIT_STATUS_REJECTED
        Assert.Contains("not permitted", refusal); // certmonger's words for badRequest
        connector.Process.WaitUntil(() => ConnectorLogs.Events(connector.Process.DataDir, 4005, another.TransactionId).Count > 0, TimeSpan.FromSeconds(10), "the 4005");
    }

    private (int Exit, string Output) ScepSubmit(byte[] rekeyMessage)
    {
        var info = new ProcessStartInfo("/usr/lib/certmonger/scep-submit", ["-u", connector.Process.ScepUrl])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["CERTMONGER_OPERATION"] = "SUBMIT";
        info.Environment["CERTMONGER_SCEP_RA_CERTIFICATE"] = Pem(connector.Http.Ra);
        info.Environment["CERTMONGER_SCEP_CA_CERTIFICATE"] = File.ReadAllText(connector.CaPem);
        info.Environment["CERTMONGER_PKCSREQ_REKEY"] = "-----BEGIN PKCS7-----\n" + Convert.ToBase64String(rekeyMessage, Base64FormattingOptions.InsertLineBreaks) + "\n-----END PKCS7-----\n";
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) p.Kill();
        return (p.ExitCode, output.Result + errors.Result);
    }

    private static string Pem(object o)
    {
        using var text = new StringWriter();
        var writer = new PemWriter(text);
        writer.WriteObject(o);
        writer.Writer.Flush();
        return text.ToString();
    }
}

/// <summary>
/// A refusal is not for ever: a device that derives its transaction ID from its key (RFC 8894, certmonger) asks again
/// with the same one, and once the operator has changed what refused it, it gets its certificate.
/// </summary>
[Trait("Category", "Interop")]
[Trait("Category", "Slow")] // three connector starts
public sealed class ScepRenewalAfterRefusalTests
{
    [Fact]
    public async Task A_renewal_refused_outside_the_window_succeeds_with_the_same_transaction_after_a_restart_with_a_wider_window_and_a_template_change_refuses()
    {
        var dataDir = Path.Combine(Tools.TempDir("scep-reopen"), "data");
        const string subject = "CN=renews-after-refusal";
        AsymmetricCipherKeyPair key;
        X509Certificate existing;
        CertRepResult refused;
        string transactionId = Convert.ToHexString(Guid.NewGuid().ToByteArray()); // as if derived from the key: the same every time
        var newKey = ScepHttpClient.NewKey();
        var csr = ScepClient.CreateCsr(newKey, subject);

        using (var process = ConnectorProcess.Start(dataDir)) // the default 30-day window
        using (var http = new ScepHttpClient(process.ScepUrl))
        {
            var challenge = process.Cli("scep", "challenge", "--subject", subject).Json.GetProperty("challenge").GetString();
            key = ScepHttpClient.NewKey();
            existing = (await http.EnrollAsync(key, ScepClient.SelfSigned(key, subject), ScepClient.CreateCsr(key, subject, challenge))).Certificates[0];
            var renewal = http.Client.RenewalReq(csr, existing, key.Private, new PkiMessageOptions { TransactionId = transactionId });
            refused = http.Decode((await http.PostAsync(renewal.Bytes)).Body, existing, key);
            Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (refused.Status, refused.FailInfo));
            Assert.Equal(0, process.Terminate(TimeSpan.FromSeconds(60)));
        }

        X509Certificate renewed;
        using (var process = ConnectorProcess.Start(dataDir, new Dictionary<string, string> { ["Scep:RenewalWindowDays"] = "400" }))
        using (var http = new ScepHttpClient(process.ScepUrl))
        {
            var renewal = http.Client.RenewalReq(csr, existing, key.Private, new PkiMessageOptions { TransactionId = transactionId });
            var poll = http.Client.CertPoll(http.CaCerts[0].SubjectDN, existing.SubjectDN, existing, key.Private, new PkiMessageOptions { TransactionId = transactionId });
            Assert.Equal(ScepPkiStatus.Failure, http.Decode((await http.PostAsync(poll.Bytes)).Body, existing, key).Status); // CertPoll: still the rejection
            var reply = http.Decode((await http.PostAsync(renewal.Bytes)).Body, existing, key);
            Assert.Equal(ScepPkiStatus.Success, reply.Status);
            renewed = reply.Certificates[0];
            Assert.Equal(newKey.Public, renewed.GetPublicKey());
            var again = http.Decode((await http.PostAsync(renewal.Bytes)).Body, existing, key);
            Assert.Equal(renewed.SerialNumber, again.Certificates[0].SerialNumber); // a SUCCESS is replayed
            Assert.Equal(0, process.Terminate(TimeSpan.FromSeconds(60)));
        }

        using (var process = ConnectorProcess.Start(dataDir, new Dictionary<string, string> { ["Scep:RenewalWindowDays"] = "400", ["Scep:Template"] = "client-auth" }))
        using (var http = new ScepHttpClient(process.ScepUrl))
        {
            var renewal = http.Client.RenewalReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), subject), renewed, newKey.Private);
            var reply = http.Decode((await http.PostAsync(renewal.Bytes)).Body, renewed, newKey);
            Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (reply.Status, reply.FailInfo));
            var serial = Convert.ToHexString(renewed.SerialNumber.ToByteArrayUnsigned());
            process.WaitUntil(() => ConnectorLogs.Events(process.DataDir, 4005, $"certificate {serial} was issued with template 'scep-device' but SCEP now issues 'client-auth'").Count == 1,
                TimeSpan.FromSeconds(10), "the template refusal");
        }
    }
}
