using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.Scep;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Ca.Scep;

/// <summary>The upstream is micromdm's scepserver (Debian package scep), a CA nobody here wrote.</summary>
public sealed class UpstreamScepCaInteropTests : IDisposable
{
    private static readonly ScepRaIdentity Identity = ScepRaIdentity.CreateSelfSigned();

    private readonly ScepServerProcess _server = new();
    private readonly TempDirectory _files = new();
    private readonly UpstreamScepCa _ca;

    public UpstreamScepCaInteropTests() =>
        _ca = new UpstreamScepCa(new UpstreamScepOptions { Url = _server.Url, Challenge = ScepServerProcess.ChallengePassword }, Identity);

    [Fact]
    public async Task A_pkcs_csr_is_enrolled_under_the_RA_identity_and_chains_to_scepserver_CA()
    {
        var key = KeyGeneration.Generate(KeySpec.Rsa2048);
        // The PKCS path: the connector makes key and CSR, with the upstream's challenge inside.
        var challenge = await _ca.Challenges.NextAsync(CancellationToken.None);
        var csr = ScepClient.CreateCsr(key, "CN=pkcs-user,O=Contoso", challenge);

        var issued = await _ca.IssueAsync(new IssuanceRequest("pkcs-req-1", "pkcs", csr, "default"), CancellationToken.None);

        var certificate = new X509Certificate(issued.CertificateDer);
        Assert.Equal(SubjectPublicKeyInfoOf(key), certificate.SubjectPublicKeyInfo);
        Assert.Equal(CertificateIds.SerialHex(certificate.SerialNumber), issued.SerialNumber);
        Assert.Equal(Pem.ReadCertificates(_server.CaPemPath).Single().GetEncoded(), issued.IssuerChainDer.Single());
        Assert.Equal(issued.IssuerChainDer, _ca.CaChainDer);
        Assert.Contains(": OK", Verify(issued));
        Assert.Single(_server.CertificateFiles("pkcs-user"));
    }

    [Fact]
    public async Task A_device_csr_is_re_enrolled_with_its_key_and_names()
    {
        // Device SCEP: the device's own CSR (its key, its SANs, the challenge it was given) goes upstream unchanged.
        var deviceKey = KeyGeneration.Generate(KeySpec.Rsa2048);
        var csr = ScepClient.CreateCsr(deviceKey, "CN=device-42", ScepServerProcess.ChallengePassword,
            sans: [new SubjectAltName("dns", "device-42.example.com")]);

        var issued = await _ca.IssueAsync(new IssuanceRequest("scep-tx-42", "scep", csr, "default"), CancellationToken.None);

        var certificate = new X509Certificate(issued.CertificateDer);
        Assert.Equal(SubjectPublicKeyInfoOf(deviceKey), certificate.SubjectPublicKeyInfo);
        Assert.Contains("device-42.example.com", certificate.GetSubjectAlternativeNames().Select(n => n[1]?.ToString()));
        Assert.Contains(": OK", Verify(issued));
    }

    [Fact]
    public async Task A_retry_of_one_request_uses_the_same_transaction_and_never_gets_a_second_certificate()
    {
        var key = KeyGeneration.Generate(KeySpec.Rsa2048);
        var csr = ScepClient.CreateCsr(key, "CN=retried-user", ScepServerProcess.ChallengePassword);
        var request = new IssuanceRequest("pkcs-retried", "pkcs", csr, "default");
        await _ca.IssueAsync(request, CancellationToken.None);

        // The retry after a crash that lost the answer: scepserver keeps no transactions (CertPoll is "not implemented",
        // HTTP 500), so the adapter re-sends the PKCSReq with the same transactionID; scepserver refuses a second
        // certificate for a subject that holds a valid one (its -allowrenew window): FAILURE, final, nothing issued.
        var retry = await Assert.ThrowsAsync<ConnectorFailureException>(() => _ca.IssueAsync(request, CancellationToken.None));

        Assert.False(retry.Retryable);
        Assert.Equal(UpstreamScepCa.RefusedCode, retry.Code);
        Assert.Contains("BadRequest (2)", retry.Message);
        Assert.Single(_server.IndexLines("retried-user"));
        Assert.Single(_server.CertificateFiles("retried-user"));
        var transactionId = UpstreamScepCa.TransactionIdFor("pkcs-retried");
        // Every message of both attempts (CertPoll, PKCSReq, CertPoll, PKCSReq) carried the one transactionID.
        Assert.Equal(4, CountOccurrences(_server.Log, "transaction_id=" + transactionId));
        Assert.Contains(transactionId, retry.Message);
        Assert.DoesNotContain(ScepServerProcess.ChallengePassword, retry.Message + _server.Log);
    }

    [Fact]
    public async Task An_answer_lost_to_a_time_out_is_not_enrolled_again_after_a_restart()
    {
        // scepserver takes 12 s over the first CSR (its -csrverifierexec hook), the connector gives up after 4 s: the
        // certificate is issued upstream and its answer is lost, as with a kill -9 of the connector at that moment. (4 s, not
        // less: the exchanges before PKCSReq must not time out on a loaded machine; 12 s: well beyond it, whatever the load.)
        using var slow = new ScepServerProcess("cat > /dev/null; if [ ! -e \"$0.done\" ]; then touch \"$0.done\"; sleep 12; fi; exit 0");
        var options = new UpstreamScepOptions { Url = slow.Url, Challenge = ScepServerProcess.ChallengePassword, RequestTimeout = TimeSpan.FromSeconds(4) };
        var csr = ScepClient.CreateCsr(KeyGeneration.Generate(KeySpec.Rsa2048), "CN=lost-answer", ScepServerProcess.ChallengePassword);
        var request = new IssuanceRequest("pkcs-lost-answer", "pkcs", csr, "default");
        using (var first = new UpstreamScepCa(options, Identity))
        {
            var lost = await Assert.ThrowsAsync<ConnectorFailureException>(() => first.IssueAsync(request, CancellationToken.None));
            Assert.True(lost.Retryable);
            Assert.Contains("did not answer PKCSReq (PKIOperation) within 4 s", lost.Message);
        }
        for (var i = 0; i < 600 && slow.CertificateFiles("lost-answer").Count == 0; i++) await Task.Delay(100); // waiting for scepserver, not a timing assertion
        Assert.Single(slow.CertificateFiles("lost-answer"));

        using var restarted = new UpstreamScepCa(options with { RequestTimeout = TimeSpan.FromSeconds(30) }, Identity);
        var retry = await Assert.ThrowsAsync<ConnectorFailureException>(() => restarted.IssueAsync(request, CancellationToken.None));

        Assert.False(retry.Retryable);
        Assert.Equal(UpstreamScepCa.RefusedCode, retry.Code);
        Assert.Single(slow.CertificateFiles("lost-answer"));
        Assert.Single(slow.IndexLines("lost-answer"));
    }

    [Fact]
    public async Task Another_request_for_another_subject_gets_its_own_certificate()
    {
        foreach (var n in new[] { 1, 2 })
        {
            var csr = ScepClient.CreateCsr(KeyGeneration.Generate(KeySpec.Rsa2048), $"CN=user-{n}", ScepServerProcess.ChallengePassword);
            await _ca.IssueAsync(new IssuanceRequest($"pkcs-{n}", "pkcs", csr, "default"), CancellationToken.None);
        }

        Assert.Single(_server.CertificateFiles("user-1"));
        Assert.Single(_server.CertificateFiles("user-2"));
        Assert.NotEqual(UpstreamScepCa.TransactionIdFor("pkcs-1"), UpstreamScepCa.TransactionIdFor("pkcs-2"));
    }

    [Fact]
    public async Task A_wrong_challenge_is_a_final_FAILURE_with_scepserver_failInfo()
    {
        var csr = ScepClient.CreateCsr(KeyGeneration.Generate(KeySpec.Rsa2048), "CN=no-challenge");

        var e = await Assert.ThrowsAsync<ConnectorFailureException>(() =>
            _ca.IssueAsync(new IssuanceRequest("pkcs-no-challenge", "pkcs", csr, "default"), CancellationToken.None));

        Assert.False(e.Retryable);
        Assert.Equal(UpstreamScepCa.RefusedCode, e.Code);
        Assert.Contains("FAILURE, failInfo BadRequest (2)", e.Message);
        Assert.Contains("The CSR carried no challenge password", e.Message);
        Assert.Empty(_server.CertificateFiles("no-challenge"));
    }

    [Fact]
    public async Task The_probe_reads_GetCACaps_and_scepserver_algorithms_are_accepted()
    {
        await _ca.ConnectAsync(CancellationToken.None);
        var health = await new UpstreamScepCaHealthProbe(_ca).ProbeAsync(CancellationToken.None);

        Assert.True(health.Reachable, health.Error);
        Assert.NotNull(health.CaNotAfter);
        _server.Dispose();
        var down = await new UpstreamScepCaHealthProbe(_ca).ProbeAsync(CancellationToken.None);
        Assert.False(down.Reachable);
        Assert.Contains("could not be reached", down.Error);
    }

    private string Verify(IssuedCertificate issued)
    {
        var leaf = _files.File("leaf.pem");
        File.WriteAllText(leaf, Pem.Certificates([issued.CertificateDer]));
        return OpenSsl.Run(_files.Path, "verify", "-CAfile", _server.CaPemPath, leaf);
    }

    private static Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo SubjectPublicKeyInfoOf(AsymmetricCipherKeyPair key) =>
        Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.Public);

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    public void Dispose()
    {
        _ca.Dispose();
        _server.Dispose();
        _files.Dispose();
    }
}
