using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// A CA other than the built-in one, whose certificates are written into the issued-certificate store under its name (<c>ca</c>), so a
/// revocation naming only a serial goes to the CA that issued it. The built-in CA never reads those rows (its CRL, OCSP, renewals and
/// revocations see only its own). The certificate is issued whatever the store says: a row that cannot be written (a serial another CA
/// already used) is reported to <paramref name="unrecorded"/>, and a revocation of that serial must then name its CA.
/// </summary>
public sealed class IssuedElsewhereRecorder(ICertificateAuthority inner, string ca, IssuedCertificateStore store, Action<string, Exception> unrecorded)
    : ICertificateAuthority
{
    public IReadOnlyList<byte[]> CaChainDer => inner.CaChainDer;
    public IReadOnlyCollection<string> TemplateNames => inner.TemplateNames;

    public async Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken)
    {
        var issued = await inner.IssueAsync(request, cancellationToken).ConfigureAwait(false);
        bool claimed;
        try
        {
            var certificate = new X509CertificateParser().ReadCertificate(issued.CertificateDer);
            claimed = await store.AddRenewalAsync(new IssuedCertificateRecord(issued.SerialNumber, DistinguishedName.ToText(certificate.SubjectDN), request.RequestId,
                request.Feature, IssuedCertificateRecord.Issued, CertificateIds.Utc(certificate.NotBefore), CertificateIds.Utc(certificate.NotAfter),
                issued.Thumbprint, issued.CertificateDer, Template: request.TemplateName, Ca: ca), request.Renews, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            unrecorded(issued.SerialNumber, e);
            return issued;
        }
        if (claimed || IsRenewalOf(request.Renews!, issued.SerialNumber)) return issued; // a retry of this request finds its own claim
        // The upstream has issued, but the certificate this renews was renewed meanwhile by another request (two renewals of one
        // certificate racing): the second certificate is not handed out, as the built-in CA would not sign it. It stays valid at the
        // upstream, which alone can revoke it; the failure names its serial.
        throw ConnectorFailureException.Final(ICertificateAuthority.AlreadyRenewedCode,
            $"certificate {request.Renews} of the CA '{ca}' is no longer current (renewed by another request, superseded or revoked); it is renewed at most once. " +
            $"The CA issued certificate {issued.SerialNumber} anyway: revoke it there.");
    }

    private bool IsRenewalOf(string renewed, string serial) =>
        store.FindElsewhere(renewed)?.RenewedBy is { } by && by == CertificateIds.NormalizeSerial(serial);
}
