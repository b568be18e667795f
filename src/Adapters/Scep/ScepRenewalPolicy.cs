using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// A renewal needs no challenge because it is signed by a certificate this CA issued through SCEP (or another configured CA
/// issued when the connector enrolled the device there, which then issues the renewal too); it may only
/// extend that certificate, never widen it. The signer must verify against our CA, be the certificate the
/// issued-certificate store holds under its serial, be current there (not revoked, superseded or renewed already),
/// have been issued by SCEP with the template SCEP issues now, be valid now and expire within the renewal window;
/// the new CSR must name the same subject and a subset of its SANs. The request actor asks this itself
/// (<see cref="IScepRenewalChecker"/>); that the certificate is renewed only once is enforced again, atomically,
/// when the CA records the renewed certificate (<see cref="IssuanceRequest.Renews"/>).
/// </summary>
public sealed class ScepRenewalPolicy(IScepRaCredentials ca, IIssuedCertificateLookup issued, ScepOptions options, TimeProvider time) : IScepRenewalChecker
{
    public ScepRenewalVerdict Check(ScepRenewalCheck request)
    {
        X509Certificate signer;
        bool ours;
        try
        {
            signer = new X509Certificate(request.SignerCertificateDer);
            ours = PublicKeys.IsSignedBy(signer, ca.CaCertificate.SubjectPublicKeyInfo);
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                                      or Org.BouncyCastle.Security.SignatureException or ArgumentException or InvalidOperationException or IOException)
        {
            return Refuse(request.RenewedSerial, NotOurs);
        }
        var serial = CertificateIds.SerialHex(signer.SerialNumber);
        // A certificate another CA issued for a device of this connector (an upstream it enrolled at as RA) is renewed there. What
        // vouches for it is the issued-certificate store: the exact certificate the upstream returned, recorded under its name.
        var record = ours ? issued.FindIssued(serial) : issued.FindIssuedElsewhere(serial);
        if (!ours && record is null) return Refuse(request.RenewedSerial, NotOurs);
        return new ScepRenewalVerdict(serial, Refusal(serial, signer, record, request), record?.Ca);
    }

    private const string NotOurs = "the renewal is not signed by a certificate of this CA, nor by one the connector enrolled at another configured CA";

    private string? Refusal(string serial, X509Certificate signer, IssuedCertificateInfo? record, ScepRenewalCheck request)
    {
        if (request.RenewedSerial is { } named && CertificateIds.NormalizeSerial(named) != serial)
            return $"the request renews certificate {named} but is signed by certificate {serial}";
        if (record is null) return $"certificate {serial} is not in the issued-certificate store";
        if (!record.Der.AsSpan().SequenceEqual(request.SignerCertificateDer)) return $"the signer is not the certificate {serial} this CA issued";
        if (record.Revoked) return $"certificate {serial} is revoked";
        if (record.ReplacedBy is { } by && !RenewedFor(by, record.Ca, request.IssuanceRequestId))
            return $"certificate {serial} was already renewed or superseded (by certificate {by}); a certificate is renewed once";
        if (record.Feature != ScepHosting.Role)
            return $"certificate {serial} was issued by the {record.Feature} feature, not by SCEP; SCEP renews only certificates it issued";
        var now = time.GetUtcNow().UtcDateTime;
        if (now < signer.NotBefore || now > signer.NotAfter) return $"certificate {serial} is not valid now";
        if (signer.NotAfter - now > TimeSpan.FromDays(options.RenewalWindowDays))
            return $"certificate {serial} expires {signer.NotAfter:u}, outside the {options.RenewalWindowDays}-day renewal window";
        // A certificate from a version that did not record templates was issued by SCEP, which had one template then as now.
        var template = record.Template ?? options.Template;
        if (!template.Equals(options.Template, StringComparison.OrdinalIgnoreCase))
            return $"certificate {serial} was issued with template '{template}' but SCEP now issues '{options.Template}'";
        try
        {
            return NameRefusal(serial, signer, new Pkcs10CertificationRequest(request.CsrDer));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"the new request's names cannot be read: {e.Message}"; // a malformed extensionRequest, an IP SAN of the wrong length
        }
    }

    /// <summary>
    /// Renewed already, by this very request: its certificate was issued and recorded, then the process stopped before the
    /// request journaled it. The device's retransmission must get that certificate (the CA hands it back), not a refusal.
    /// </summary>
    private bool RenewedFor(string replacement, string? issuingCa, string? issuanceRequestId) =>
        issuanceRequestId is not null && (issuingCa is null ? issued.FindIssued(replacement) : issued.FindIssuedElsewhere(replacement)) is { Revoked: false } r
        && r.RequestId == issuanceRequestId && r.Feature == ScepHosting.Role;

    private static string? NameRefusal(string serial, X509Certificate signer, Pkcs10CertificationRequest csr)
    {
        var subject = csr.GetCertificationRequestInfo().Subject;
        if (!signer.SubjectDN.Equivalent(subject, true))
            return $"the new request's subject '{DistinguishedName.ToText(subject)}' is not the subject '{DistinguishedName.ToText(signer.SubjectDN)}' of certificate {serial}";
        var requested = CertificationRequests.RequestedSubjectAltNames(csr, out var unreadable);
        if (unreadable > 0)
            return $"the new request has {unreadable} subject alternative name(s) of a kind that cannot be compared with certificate {serial}'s";
        var extension = signer.CertificateStructure.TbsCertificate.Extensions?.GetExtension(X509Extensions.SubjectAlternativeName);
        var existing = SubjectAltNames.FromGeneralNames(extension is null ? null : GeneralNames.GetInstance(extension.GetParsedValue()));
        return SubjectAltNames.FirstNotIn(requested, existing) is { } added
            ? $"the new request adds {SubjectAltNames.Describe(added)} which certificate {serial} does not have"
            : null;
    }

    private static ScepRenewalVerdict Refuse(string? serial, string why) => new(serial, why);
}
