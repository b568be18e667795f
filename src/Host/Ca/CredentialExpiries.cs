using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Ca;

/// <summary>One certificate the connector depends on and when it ends.</summary>
/// <param name="NotAfter">null when not known (an upstream CA that has not answered a probe, an instance without a connector key).</param>
/// <param name="Note">why <paramref name="NotAfter"/> is not known.</param>
/// <param name="Label">its short name as a metric label (<c>certconnector_certificate_expiry_days{certificate=…}</c>).</param>
public sealed record CredentialExpiry(string Credential, string Subject, DateTimeOffset? NotAfter, string? Note = null, string Label = "")
{
    /// <summary>Whole days left (negative once expired).</summary>
    public int? DaysLeft(DateTimeOffset now) => NotAfter is { } end ? (int)Math.Floor((end - now).TotalDays) : null;
}

/// <summary>
/// The certificates whose expiry stops the connector: the built-in CA, its SCEP RA and OCSP signer, the connector key, and each
/// upstream CA (with the connector's RA certificate toward it) as its last answered probe reported them. The status page shows them; the
/// expiry metric reports the same list.
/// </summary>
public static class CredentialExpiries
{
    public static IReadOnlyList<CredentialExpiry> Of(BuiltInCa builtIn, ConnectorKeyHolder key, CertificateAuthorities cas, CaCalls calls)
    {
        var list = new List<CredentialExpiry>
        {
            new("CA (built-in)", builtIn.CaCertificate.SubjectDN.ToString(), CertificateIds.Utc(builtIn.CaCertificate.NotAfter), Label: "ca"),
            new("SCEP RA (built-in)", builtIn.RaCertificate.SubjectDN.ToString(), CertificateIds.Utc(builtIn.RaCertificate.NotAfter), Label: "ra"),
            new("OCSP signer", builtIn.OcspSignerCertificate.SubjectDN.ToString(), CertificateIds.Utc(builtIn.OcspSignerCertificate.NotAfter), Label: "ocsp-signer"),
            key.Key is { } k
                ? new("Connector key", k.Certificate.SubjectDN.ToString(), CertificateIds.Utc(k.Certificate.NotAfter), Label: "connector-key")
                : new("Connector key", "", null, key.Problem, "connector-key"),
        };
        foreach (var ca in cas.All.Where(c => !c.IsBuiltIn))
        {
            var probe = calls.LastAnsweredProbe(ca.Name);
            var note = probe is null ? "not known: the CA has not answered a probe yet" : null;
            list.Add(new($"CA '{ca.Name}' ({ca.Type})", "", probe?.CaNotAfter, note, $"ca:{ca.Name}"));
            list.Add(new($"RA toward '{ca.Name}'", "", probe?.RaNotAfter, note, $"ra:{ca.Name}"));
        }
        return list;
    }
}
