using CertConnector.Actors.Common;

namespace CertConnector.Actors.Ports;

/// <summary>CRL reason codes (RFC 5280 5.3.1) a revocation may carry.</summary>
public enum RevocationReason
{
    Unspecified = 0,
    KeyCompromise = 1,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    CertificateHold = 6,
}

public enum RevocationResult { Revoked, AlreadyRevoked }

/// <summary>
/// Revocation at the CA: after it returns, the CA's CRL and OCSP answers say "revoked". Separate from
/// <see cref="ICertificateAuthority"/> because not every backend can revoke (an upstream SCEP CA cannot).
/// An unknown serial is a final <see cref="ConnectorFailureException"/> with code <see cref="NotFoundCode"/>
/// (reported to the service as 4004); a CA that cannot be reached is a retryable one. Revoking a certificate
/// already revoked is <see cref="RevocationResult.AlreadyRevoked"/>, which the service counts as success.
/// </summary>
public interface ICertificateRevoker
{
    public const string NotFoundCode = "CertificateNotFound";

    /// <param name="serialNumber">hex, in any common form (colons, case, leading zeros).</param>
    Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken);
}
