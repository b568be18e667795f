using CertConnector.Actors.Common;

namespace CertConnector.Actors.Ports;

/// <summary>
/// What a feature asks a CA to issue. The public key (and, where <see cref="SubjectName"/> or
/// <see cref="SubjectAlternativeNames"/> are null, the subject and SANs) come from the CSR; the rest of the
/// profile comes from the named template. <see cref="Feature"/> is recorded in the issued-certificate store.
/// <see cref="Renews"/> (a serial number) makes the issuance a renewal of that certificate: the CA issues only if it
/// is still current and marks it renewed in the same step, so one certificate is renewed at most once.
/// </summary>
public sealed record IssuanceRequest(
    string RequestId,
    string Feature,
    byte[] CsrDer,
    string TemplateName,
    string? SubjectName = null,
    IReadOnlyList<SubjectAltName>? SubjectAlternativeNames = null,
    string? OnPremisesSid = null,
    int? ValidityDays = null,
    string? Renews = null);

/// <summary>A certificate the CA issued. Serial and thumbprint are upper-case hex without separators.</summary>
public sealed record IssuedCertificate(
    byte[] CertificateDer,
    string SerialNumber,
    string Thumbprint,
    DateTimeOffset NotAfter,
    IReadOnlyList<byte[]> IssuerChainDer);

/// <summary>
/// The CA port. Implementations throw <see cref="ConnectorFailureException"/> with a retryable or final
/// classification; the CA's own error text goes into the exception message verbatim.
/// </summary>
public interface ICertificateAuthority
{
    /// <summary>The final failure code of a renewal whose certificate was renewed (or revoked) in the meantime.</summary>
    const string AlreadyRenewedCode = "AlreadyRenewed";

    /// <summary>The issuing CA certificate first, then any intermediates up to (and including) the root.</summary>
    IReadOnlyList<byte[]> CaChainDer { get; }

    /// <summary>Names of the templates this CA knows.</summary>
    IReadOnlyCollection<string> TemplateNames { get; }

    Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken);
}
