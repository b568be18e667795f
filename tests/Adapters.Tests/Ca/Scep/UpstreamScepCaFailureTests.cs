using CertConnector.Host.Tests.Common;
using System.Net;
using System.Net.Sockets;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.Scep;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep.Client;
using Microsoft.AspNetCore.Http;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Ca.Scep;

/// <summary>An upstream that keeps transactions (NDES-like, <see cref="FakeScepUpstream"/>), and upstreams that are down,
/// slow, weak or answer garbage: each ends in a classified failure with its reason, within the time-outs.</summary>
public sealed class UpstreamScepCaFailureTests
{
    private static readonly ScepRaIdentity Identity = ScepRaIdentity.CreateSelfSigned();

    private static UpstreamScepCa Ca(Uri url, Func<UpstreamScepOptions, UpstreamScepOptions>? change = null)
    {
        var options = new UpstreamScepOptions
        {
            Url = url,
            // Generous: only the silence test is about the time-out (it sets its own); a loaded machine must not turn another
            // failure into "did not answer".
            RequestTimeout = TimeSpan.FromSeconds(30),
            PendingTimeout = TimeSpan.Zero,
            FirstPollInterval = TimeSpan.FromMilliseconds(20),
            MaxPollInterval = TimeSpan.FromMilliseconds(40),
        };
        return new UpstreamScepCa(change?.Invoke(options) ?? options, Identity);
    }

    private static IssuanceRequest Request(string requestId, string subject = "CN=someone") =>
        new(requestId, "pkcs", ScepClient.CreateCsr(KeyGeneration.Generate(KeySpec.Rsa2048), subject), "default");

    private static async Task<ConnectorFailureException> Fails(Func<Task> call, bool retryable, string code, params string[] reasons)
    {
        var e = await Assert.ThrowsAsync<ConnectorFailureException>(call);
        Assert.Equal((code, retryable), (e.Code, e.Retryable));
        foreach (var reason in reasons) Assert.Contains(reason, e.Message);
        return e;
    }

    [Fact]
    public async Task A_pending_enrollment_is_polled_by_the_next_attempt_and_enrolled_once()
    {
        await using var upstream = new FakeScepUpstream { HoldNewRequests = true };
        using var ca = Ca(upstream.Url);
        var request = Request("pkcs-pending");

        var pending = await Assert.ThrowsAsync<ConnectorFailureException>(() => ca.IssueAsync(request, CancellationToken.None));
        Assert.True(pending.Retryable);
        Assert.Equal(UpstreamScepCa.PendingCode, pending.Code);

        upstream.Approve(UpstreamScepCa.TransactionIdFor("pkcs-pending"));
        var issued = await ca.IssueAsync(request, CancellationToken.None);
        var again = await ca.IssueAsync(request, CancellationToken.None);

        Assert.Equal(1, upstream.PkcsReqCount);
        Assert.Equal(issued.SerialNumber, again.SerialNumber);
        Assert.Equal(upstream.CaCertificate.GetEncoded(), issued.IssuerChainDer.Single());
        new X509Certificate(issued.CertificateDer).Verify(upstream.CaCertificate.GetPublicKey());
    }

    [Fact]
    public async Task Pending_is_polled_with_CertPoll_until_issued_within_one_attempt()
    {
        await using var upstream = new FakeScepUpstream { HoldNewRequests = true };
        using var ca = Ca(upstream.Url, o => o with { PendingTimeout = TimeSpan.FromMinutes(1) });
        var transactionId = UpstreamScepCa.TransactionIdFor("pkcs-polled");
        var approver = Task.Run(async () =>
        {
            while (upstream.PkcsReqCount == 0) await Task.Delay(10);
            upstream.Approve(transactionId);
        });

        var issued = await ca.IssueAsync(Request("pkcs-polled"), CancellationToken.None);

        await approver;
        Assert.Equal(1, upstream.PkcsReqCount);
        Assert.NotEmpty(issued.CertificateDer);
    }

    [Fact]
    public async Task A_retry_with_a_new_key_never_enrolls_twice()
    {
        await using var upstream = new FakeScepUpstream { HoldNewRequests = true };
        using var ca = Ca(upstream.Url);
        await Assert.ThrowsAsync<ConnectorFailureException>(() => ca.IssueAsync(Request("pkcs-rekeyed"), CancellationToken.None));
        upstream.Approve(UpstreamScepCa.TransactionIdFor("pkcs-rekeyed"));

        // Today's PKCS actor makes a new key per attempt: the upstream's certificate is for the first one.
        var e = await Fails(() => ca.IssueAsync(Request("pkcs-rekeyed"), CancellationToken.None), false, UpstreamScepCa.KeyMismatchCode);

        Assert.Equal(1, upstream.PkcsReqCount);
    }

    [Fact]
    public async Task A_denied_pending_request_is_a_final_failure_with_the_upstream_failInfo()
    {
        await using var upstream = new FakeScepUpstream { HoldNewRequests = true };
        using var ca = Ca(upstream.Url, o => o with { PendingTimeout = TimeSpan.FromMinutes(1) });
        var approver = Task.Run(async () =>
        {
            while (upstream.PkcsReqCount == 0) await Task.Delay(10);
            upstream.Deny(UpstreamScepCa.TransactionIdFor("pkcs-denied"));
        });

        var e = await Assert.ThrowsAsync<ConnectorFailureException>(() => ca.IssueAsync(Request("pkcs-denied"), CancellationToken.None));

        await approver;
        Assert.False(e.Retryable);
        Assert.Equal(UpstreamScepCa.RefusedCode, e.Code);
        Assert.Contains("failInfo BadRequest (2)", e.Message);
    }

    [Fact]
    public async Task An_upstream_that_is_down_is_retryable_with_the_reason()
    {
        using var ca = Ca(new Uri($"http://127.0.0.1:{Tools.FreePort()}/scep"));

        var e = await Fails(() => ca.IssueAsync(Request("pkcs-down"), CancellationToken.None), true, UpstreamScepHttp.UnavailableCode, "could not be reached for GetCACaps", "ConnectionRefused");

    }

    [Fact]
    public async Task An_upstream_that_never_answers_is_abandoned_after_the_request_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true) accepted.Add(await listener.AcceptSocketAsync());
            }
            catch (Exception)
            {
                // The listener was stopped.
            }
        });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var ca = Ca(new Uri($"http://127.0.0.1:{port}/scep"), o => o with { RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var e = await Assert.ThrowsAsync<ConnectorFailureException>(() => ca.IssueAsync(Request("pkcs-slow"), CancellationToken.None));

        listener.Stop();
        await accepting;
        accepted.ForEach(s => s.Dispose());
        Assert.True(e.Retryable);
        Assert.Equal(UpstreamScepHttp.UnavailableCode, e.Code);
        Assert.Contains("did not answer GetCACaps within 0.3 s", e.Message);
    }

    [Fact]
    public async Task An_error_status_carries_the_upstream_text_and_5xx_is_retryable_4xx_final()
    {
        await using var upstream = new FakeScepUpstream(async c =>
        {
            c.Response.StatusCode = c.Request.Path.Value!.Contains("gone") ? 404 : 503;
            await c.Response.WriteAsync("NDES: service is busy\r\n");
        });
        using var busy = Ca(upstream.Url);
        using var wrong = Ca(new Uri($"http://127.0.0.1:{upstream.Port}/gone"));

        var retryable = await Assert.ThrowsAsync<ConnectorFailureException>(() => busy.IssueAsync(Request("pkcs-busy"), CancellationToken.None));
        var final = await Assert.ThrowsAsync<ConnectorFailureException>(() => wrong.IssueAsync(Request("pkcs-gone"), CancellationToken.None));

        Assert.True(retryable.Retryable);
        Assert.Contains("HTTP 503 ServiceUnavailable: NDES: service is busy", retryable.Message);
        Assert.False(final.Retryable);
        Assert.Equal(UpstreamScepHttp.RefusedCode, final.Code);
        Assert.Contains("HTTP 404", final.Message);
    }

    [Fact]
    public async Task Garbage_instead_of_a_CertRep_is_a_retryable_bad_response()
    {
        await using var upstream = new FakeScepUpstream();
        upstream.Handler = async c =>
        {
            if (c.Request.Query["operation"] != "PKIOperation")
            {
                await upstream.ServeAsync(c);
                return;
            }
            c.Response.ContentType = "application/x-pki-message";
            await c.Response.Body.WriteAsync("\x30\x82\xff\xff not DER at all"u8.ToArray());
        };
        using var ca = Ca(upstream.Url);

        var e = await Fails(() => ca.IssueAsync(Request("pkcs-garbage"), CancellationToken.None), true, UpstreamScepCa.BadResponseCode, "its answer to PKCSReq", "is not a valid CertRep");

    }

    [Fact]
    public async Task A_certificate_not_signed_by_the_upstream_CA_is_refused()
    {
        await using var upstream = new FakeScepUpstream { SignWithAnotherKey = true };
        using var ca = Ca(upstream.Url);

        var e = await Fails(() => ca.IssueAsync(Request("pkcs-forged"), CancellationToken.None), false, UpstreamScepCa.BadCertificateCode, "is not signed by a CA certificate of its GetCACert answer");

    }

    [Fact]
    public async Task A_replayed_CertRep_is_not_taken_for_the_answer()
    {
        await using var upstream = new FakeScepUpstream();
        using var ca = Ca(upstream.Url);
        await ca.IssueAsync(Request("pkcs-first"), CancellationToken.None);
        upstream.Replay = true;

        var e = await Fails(() => ca.IssueAsync(Request("pkcs-second"), CancellationToken.None), true, UpstreamScepCa.BadResponseCode, "is for another message");

    }

    [Fact]
    public async Task An_endless_answer_is_cut_at_the_size_bound()
    {
        await using var upstream = new FakeScepUpstream(async c =>
        {
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 64 && !c.RequestAborted.IsCancellationRequested; i++) await c.Response.Body.WriteAsync(chunk);
        });
        using var ca = Ca(upstream.Url, o => o with { MaxResponseBytes = 100_000 });

        await Fails(() => ca.ConnectAsync(CancellationToken.None), true, UpstreamScepCa.BadResponseCode, "answered more than 100000 bytes");
    }

    [Fact]
    public async Task A_redirect_to_a_login_page_is_not_followed()
    {
        await using var upstream = new FakeScepUpstream(c =>
        {
            c.Response.Redirect("/adfs/ls/?wa=wsignin1.0");
            return Task.CompletedTask;
        });
        using var ca = Ca(upstream.Url);

        await Fails(() => ca.ConnectAsync(CancellationToken.None), false, UpstreamScepHttp.RefusedCode, "GetCACaps with HTTP 302 Found");
    }

    [Fact]
    public async Task An_html_page_instead_of_capabilities_is_a_bad_response_not_a_weak_upstream()
    {
        await using var upstream = new FakeScepUpstream(c => c.Response.WriteAsync("<html><body>Please log in</body></html>"));
        using var ca = Ca(upstream.Url);

        var e = await Fails(() => ca.ConnectAsync(CancellationToken.None), true, UpstreamScepCa.BadResponseCode, "Please log in");

    }

    [Theory]
    [InlineData("POSTPKIOperation\nDES\nSHA-256", "single DES encryption")]
    [InlineData("POSTPKIOperation\nAES\nSHA-1", "SHA-1/MD5 digests")]
    [InlineData("", "single DES encryption (no AES or DES3) and SHA-1/MD5 digests")]
    public async Task An_upstream_offering_only_weak_algorithms_is_refused_in_one_line_unless_allowed(string caps, string weakness)
    {
        await using var upstream = new FakeScepUpstream { Capabilities = caps };
        using var strict = Ca(upstream.Url);
        using var lenient = Ca(upstream.Url, o => o with { AllowWeakAlgorithms = true });

        var e = await Assert.ThrowsAsync<ConnectorFailureException>(() => strict.ConnectAsync(CancellationToken.None));
        var first = await Assert.ThrowsAsync<ConnectorFailureException>(() => strict.IssueAsync(Request("pkcs-weak"), CancellationToken.None));
        await lenient.ConnectAsync(CancellationToken.None);

        Assert.False(e.Retryable);
        Assert.Equal(UpstreamScepCa.WeakAlgorithmsCode, e.Code);
        Assert.Contains(weakness, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(UpstreamScepCa.WeakAlgorithmsCode, first.Code);
        Assert.Equal(0, upstream.PkcsReqCount);
        Assert.NotEmpty(lenient.CaChainDer);
    }

    [Fact]
    public void Capabilities_pick_the_strongest_common_algorithms()
    {
        var ndes = UpstreamCapabilities.Parse("POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n");
        var scepserver = UpstreamCapabilities.Parse("Renewal\nSHA-1\nSHA-256\nAES\nDES3\nSCEPStandard\nPOSTPKIOperation");
        var old = UpstreamCapabilities.Parse("");

        Assert.Equal((CertConnector.Adapters.Scep.ScepOids.DesEde3Cbc, CertConnector.Adapters.Scep.ScepOids.Sha512, true, (string?)null),
            (ndes.ContentAlgorithmOid, ndes.DigestOid, ndes.Post, ndes.Weakness()));
        Assert.Equal((CertConnector.Adapters.Scep.ScepOids.Aes128Cbc, CertConnector.Adapters.Scep.ScepOids.Sha256, true, (string?)null),
            (scepserver.ContentAlgorithmOid, scepserver.DigestOid, scepserver.Post, scepserver.Weakness()));
        Assert.False(old.Post);
        Assert.NotNull(old.Weakness());
    }

    [Fact]
    public async Task An_upstream_without_POSTPKIOperation_gets_GET_with_base64()
    {
        await using var upstream = new FakeScepUpstream { Capabilities = "SHA-256\nAES" };
        using var ca = Ca(upstream.Url);

        var issued = await ca.IssueAsync(Request("pkcs-get"), CancellationToken.None);

        Assert.NotEmpty(issued.CertificateDer);
        Assert.Equal(2, upstream.GetPkiOperations); // CertPoll, then PKCSReq
    }

    [Fact]
    public async Task A_pinned_CA_certificate_must_be_what_GetCACert_returns()
    {
        await using var upstream = new FakeScepUpstream();
        var right = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(upstream.CaCertificate.GetEncoded()));
        var wrong = new string('A', 64);
        using var pinned = Ca(upstream.Url, o => o with { CaCertificateSha256 = string.Join(":", right.Chunk(2).Select(c => new string(c))).ToLowerInvariant() });
        using var impostor = Ca(upstream.Url, o => o with { CaCertificateSha256 = wrong });

        await pinned.IssueAsync(Request("pkcs-pinned"), CancellationToken.None);
        await Fails(() => impostor.IssueAsync(Request("pkcs-impostor"), CancellationToken.None), false, UpstreamScepCa.UntrustedCode,
            $"no certificate with the configured CaCertificateSha256 {wrong}", right);
        Assert.Equal(1, upstream.PkcsReqCount);
    }

    [Fact]
    public void Unusable_settings_are_refused_one_line_each()
    {
        var options = new UpstreamScepOptions
        {
            Url = new Uri("ftp://ndes.example.com/x"),
            Challenge = "a",
            ChallengeCommand = "/bin/true",
            RequestTimeout = TimeSpan.Zero,
            CaCertificateSha256 = "not-hex",
        };

        var e = Assert.Throws<ArgumentException>(() => new UpstreamScepCa(options, Identity));

        Assert.Equal(4, options.Problems().Count);
        Assert.Contains("CaCertificateSha256 must be 64 hex digits", e.Message);
        Assert.Contains("is not an absolute http(s) URL", e.Message);
        Assert.Contains("Challenge and ChallengeCommand are both set", e.Message);
        Assert.Contains("RequestTimeout must be positive", e.Message);
        Assert.Empty((options with { Url = new Uri("https://ndes.example.com/certsrv/mscep/mscep.dll"), Challenge = null,
            RequestTimeout = TimeSpan.FromSeconds(1), CaCertificateSha256 = new string('a', 64) }).Problems());
    }

    [Fact]
    public async Task Revocation_through_an_upstream_SCEP_CA_fails_for_good_saying_where_to_revoke()
    {
        ICertificateRevoker revoker = new UpstreamScepRevoker(new UpstreamScepOptions { Url = new Uri("https://ndes.example.com/certsrv/mscep/mscep.dll") });

        var e = await Fails(() => revoker.RevokeAsync("1A2B", RevocationReason.KeyCompromise, CancellationToken.None), false, UpstreamScepRevoker.NotSupportedCode, "1A2B", "certutil -revoke");

    }
}
