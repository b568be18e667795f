using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;

namespace CertConnector.Adapters.Tests.Scep;

/// <summary>
/// The renewal rules on a real built-in CA: a renewal keeps the subject, a subset of the SANs and the template of a
/// current SCEP certificate, and renews it once. Each refusal names what differed.
/// </summary>
public sealed class ScepRenewalPolicyTests : IDisposable
{
    private const string Subject = "CN=device-7, O=Contoso";
    private static readonly SubjectAltName[] Sans = [new("dns", "device-7.example"), new("upn", "device-7@contoso.example"), new("email", "d7@contoso.example")];

    private readonly TempDirectory _dir = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly BuiltInCa _ca;

    public ScepRenewalPolicyTests() => _ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(_dir.Path), _time);

    public void Dispose() => _dir.Dispose();

    private ScepRenewalPolicy Policy(string template = "scep-device") =>
        new(_ca, _ca, new ScepOptions { RenewalWindowDays = 400, Template = template }, _time);

    private async Task<IssuedCertificate> Issue(string feature = "scep", string template = "scep-device", string? renews = null, string? requestId = null,
        byte[]? csr = null)
    {
        csr ??= CaTestSupport.Csr(subject: Subject, sans: Sans).Csr;
        return await _ca.IssueAsync(new IssuanceRequest(requestId ?? Guid.NewGuid().ToString(), feature, csr, template, Renews: renews), CancellationToken.None);
    }

    private static byte[] NewCsr(params SubjectAltName[] sans) => CaTestSupport.Csr(subject: Subject, sans: sans).Csr;

    private static ScepRenewalCheck Check(IssuedCertificate old, byte[] csr) => new(old.CertificateDer, csr, old.SerialNumber);

    [Fact]
    public async Task A_renewal_with_the_same_subject_and_fewer_sans_is_accepted()
    {
        var old = await Issue();
        var verdict = Policy().Check(Check(old, NewCsr(Sans[0], Sans[1])));
        Assert.True(verdict.Accepted, verdict.Refusal);
        Assert.Equal(old.SerialNumber, verdict.RenewedSerial);
    }

    [Fact]
    public async Task An_added_dns_name_is_refused_and_named()
    {
        var old = await Issue();
        var verdict = Policy().Check(Check(old, NewCsr([.. Sans, new("dns", "x.example")])));
        Assert.Equal($"the new request adds DNS name x.example which certificate {old.SerialNumber} does not have", verdict.Refusal);
    }

    [Fact]
    public async Task An_added_upn_is_refused_and_named()
    {
        var old = await Issue();
        var verdict = Policy().Check(Check(old, NewCsr(Sans[0], new("upn", "admin@contoso.example"))));
        Assert.Equal($"the new request adds UPN admin@contoso.example which certificate {old.SerialNumber} does not have", verdict.Refusal);
    }

    [Fact]
    public async Task Another_subject_is_refused()
    {
        var old = await Issue();
        var verdict = Policy().Check(Check(old, CaTestSupport.Csr(subject: "CN=someone-else, O=Contoso", sans: Sans).Csr));
        Assert.Contains("subject 'CN=someone-else", verdict.Refusal);
    }

    [Fact]
    public async Task A_certificate_of_another_template_is_refused()
    {
        var old = await Issue();
        var verdict = Policy(template: "client-auth").Check(Check(old, NewCsr(Sans)));
        Assert.Equal($"certificate {old.SerialNumber} was issued with template 'scep-device' but SCEP now issues 'client-auth'", verdict.Refusal);
    }

    [Fact]
    public async Task A_pkcs_issued_certificate_is_refused()
    {
        var old = await Issue(feature: "pkcs", template: "client-auth");
        var verdict = Policy().Check(Check(old, NewCsr(Sans)));
        Assert.Equal($"certificate {old.SerialNumber} was issued by the pkcs feature, not by SCEP; SCEP renews only certificates it issued", verdict.Refusal);
    }

    [Fact]
    public async Task A_revoked_certificate_is_refused()
    {
        var old = await Issue();
        await _ca.RevokeAsync(old.SerialNumber, RevocationReason.KeyCompromise, CancellationToken.None);
        Assert.Equal($"certificate {old.SerialNumber} is revoked", Policy().Check(Check(old, NewCsr(Sans))).Refusal);
    }

    [Fact]
    public async Task A_renewed_certificate_is_superseded_and_refused_and_a_retry_of_its_renewal_gets_the_same_certificate()
    {
        var old = await Issue();
        var renewalCsr = NewCsr(Sans);
        var renewed = await Issue(renews: old.SerialNumber, requestId: "renewal-1", csr: renewalCsr);
        Assert.Equal(renewed.SerialNumber, _ca.Store.FindBySerial(old.SerialNumber)!.RenewedBy);
        Assert.Equal("scep-device", _ca.Store.FindBySerial(renewed.SerialNumber)!.Template);

        var verdict = Policy().Check(Check(old, NewCsr(Sans)) with { IssuanceRequestId = "renewal-2" });
        Assert.Equal($"certificate {old.SerialNumber} was already renewed or superseded (by certificate {renewed.SerialNumber}); a certificate is renewed once",
            verdict.Refusal);
        // The request that renewed it, asking again after a crash before it journaled the certificate: its retry, accepted.
        Assert.True(Policy().Check(Check(old, NewCsr(Sans)) with { IssuanceRequestId = "renewal-1" }).Accepted);
        Assert.Equal(renewed.SerialNumber, (await Issue(renews: old.SerialNumber, requestId: "renewal-1", csr: renewalCsr)).SerialNumber);

        // A second renewal that passed the check before the first was recorded loses at the CA.
        var second = await Assert.ThrowsAsync<ConnectorFailureException>(() => Issue(renews: old.SerialNumber, requestId: "renewal-2"));
        Assert.Equal((ICertificateAuthority.AlreadyRenewedCode, false), (second.Code, second.Retryable));
        Assert.Null(_ca.Store.FindByRequestId("renewal-2")); // nothing recorded, nothing handed out
    }

    [Fact]
    public async Task A_certificate_superseded_by_a_reissue_of_its_request_is_refused()
    {
        var orphan = await Issue(requestId: "crashed-enrollment");
        var current = await Issue(requestId: "crashed-enrollment"); // issued again for a new key after a crash
        Assert.Equal(current.SerialNumber, _ca.Store.FindBySerial(orphan.SerialNumber)!.SupersededBy);
        Assert.False(Policy().Check(Check(orphan, NewCsr(Sans))).Accepted);
        Assert.True(Policy().Check(Check(current, NewCsr(Sans))).Accepted);
    }

    [Fact]
    public async Task Of_concurrent_renewals_of_one_certificate_exactly_one_is_issued()
    {
        var old = await Issue();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await Issue(renews: old.SerialNumber, requestId: $"race-{i}")).SerialNumber;
            }
            catch (ConnectorFailureException e) when (e.Code == ICertificateAuthority.AlreadyRenewedCode)
            {
                return null;
            }
        })));
        var winner = Assert.Single(attempts, a => a is not null);
        Assert.Equal(winner, _ca.Store.FindBySerial(old.SerialNumber)!.RenewedBy);
    }

    [Fact]
    public async Task A_signer_that_is_not_the_named_certificate_or_not_ours_is_refused()
    {
        var old = await Issue();
        var other = await Issue();
        Assert.Contains($"renews certificate {other.SerialNumber} but is signed by certificate {old.SerialNumber}",
            Policy().Check(new ScepRenewalCheck(old.CertificateDer, NewCsr(Sans), other.SerialNumber)).Refusal);
        var stranger = TestCertificates.Device(KeySpec.Parse("ec:p256")).Certificate.GetEncoded();
        Assert.Equal("the renewal is not signed by a certificate of this CA, nor by one the connector enrolled at another configured CA", Policy().Check(new ScepRenewalCheck(stranger, NewCsr(Sans), "01")).Refusal);
    }

    [Fact]
    public async Task A_certificate_outside_the_renewal_window_is_refused()
    {
        var old = await Issue();
        var policy = new ScepRenewalPolicy(_ca, _ca, new ScepOptions { RenewalWindowDays = 30 }, _time);
        Assert.Contains("outside the 30-day renewal window", policy.Check(Check(old, NewCsr(Sans))).Refusal);
    }

    [Fact]
    public async Task A_scep_certificate_recorded_without_a_template_by_the_previous_version_is_renewable()
    {
        var old = await Issue();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "issued.db")}"))
        {
            connection.Open();
            using var clear = connection.CreateCommand();
            clear.CommandText = "UPDATE issued_certificates SET template = NULL";
            clear.ExecuteNonQuery();
        }
        Assert.True(Policy().Check(Check(old, NewCsr(Sans))).Accepted);
    }
    // ---- A certificate another configured CA issued (an upstream the connector enrolled the device at) -------------------------

    /// <summary>Another CA as the connector sees an upstream: it knows nothing of renewals (SCEP has none between RA and CA).</summary>
    private sealed class UpstreamCa(ICertificateAuthority inner) : ICertificateAuthority
    {
        public IReadOnlyList<byte[]> CaChainDer => inner.CaChainDer;
        public IReadOnlyCollection<string> TemplateNames => inner.TemplateNames;
        public Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken) =>
            inner.IssueAsync(request with { Renews = null, RequestId = request.RequestId + "-" + Guid.NewGuid() }, cancellationToken);
    }

    private (ICertificateAuthority Direct, IssuedElsewhereRecorder Recorded) Upstream(TempDirectory dir)
    {
        var direct = new UpstreamCa(BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir.Path), _time));
        return (direct, new IssuedElsewhereRecorder(direct, "up", _ca.Store, (serial, e) => throw new InvalidOperationException($"{serial} not recorded", e)));
    }

    [Fact]
    public async Task A_certificate_the_connector_enrolled_at_another_CA_is_renewed_there_and_only_once()
    {
        using var dir = new TempDirectory();
        var (_, upstream) = Upstream(dir);
        var old = await upstream.IssueAsync(new IssuanceRequest("first", "scep", NewCsr(Sans), "scep-device"), CancellationToken.None);

        var verdict = Policy().Check(Check(old, NewCsr(Sans[0])));
        Assert.True(verdict.Accepted, verdict.Refusal);
        Assert.Equal(("up", old.SerialNumber), (verdict.Ca, verdict.RenewedSerial));

        var renewal = new IssuanceRequest("renewal", "scep", NewCsr(Sans[0]), "scep-device", Renews: old.SerialNumber);
        var renewed = await upstream.IssueAsync(renewal, CancellationToken.None);
        Assert.Contains("already renewed", Policy().Check(Check(old, NewCsr(Sans[0]))).Refusal);
        // The upstream issues for a second renewal (it cannot know better), but the connector does not hand that certificate out.
        var second = await Assert.ThrowsAsync<ConnectorFailureException>(() =>
            upstream.IssueAsync(renewal with { RequestId = "another-renewal" }, CancellationToken.None));
        Assert.Equal((ICertificateAuthority.AlreadyRenewedCode, false), (second.Code, second.Retryable));
        // The renewal's own certificate renews the new one, again at the same CA.
        Assert.Equal("up", Policy().Check(Check(renewed, NewCsr(Sans[0]))).Ca);
    }

    [Fact]
    public async Task A_certificate_of_another_CA_that_the_connector_did_not_enroll_is_refused()
    {
        using var dir = new TempDirectory();
        var (direct, _) = Upstream(dir);
        var foreign = await direct.IssueAsync(new IssuanceRequest("foreign", "scep", NewCsr(Sans), "scep-device"), CancellationToken.None);

        var verdict = Policy().Check(Check(foreign, NewCsr(Sans)));

        Assert.Equal("the renewal is not signed by a certificate of this CA, nor by one the connector enrolled at another configured CA", verdict.Refusal);
        Assert.Null(verdict.Ca);
    }
}
