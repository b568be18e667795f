using CertConnector.Actors.Logging;
using CertConnector.Host.Ca;

namespace CertConnector.Host.Tests.Ca;

public sealed class CredentialExpiryWatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_expired_certificate_is_an_error_one_inside_thirty_days_a_warning_and_the_rest_nothing()
    {
        var findings = CredentialExpiryWatch.Findings([
            new CredentialExpiry("CA (built-in)", "CN=CA", Now.AddDays(400), Label: "ca"),
            new CredentialExpiry("SCEP RA (built-in)", "CN=RA", Now.AddDays(29).AddHours(1), Label: "ra"),
            new CredentialExpiry("OCSP signer", "CN=OCSP", Now.AddDays(30).AddHours(1), Label: "ocsp-signer"),
            new CredentialExpiry("Connector key", "CN=key", Now.AddMinutes(-1), Label: "connector-key"),
            new CredentialExpiry("CA 'corp' (scep)", "", null, "not known: the CA has not answered a probe yet", "ca:corp"),
        ], Now).ToList();

        Assert.Equal([(ConnectorInternalEvents.CredentialExpiring, "ra"), (ConnectorInternalEvents.CredentialExpired, "connector-key")],
            findings.Select(f => (f.Definition, f.Label)));
        Assert.Equal("SCEP RA (built-in) expires on 2027-01-05 13:00:00Z, in 29 day(s).", findings[0].Message);
        Assert.Equal("Connector key expired on 2026-12-07 11:59:00Z.", findings[1].Message);
    }
}
