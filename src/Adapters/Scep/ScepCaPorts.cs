using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// What the SCEP service needs from its CA: the certificates GetCACert publishes and the RA credentials that decrypt
/// requests and sign CertReps (micromdm's NewService(crt, key, signer)). Never the CA's private key.
/// </summary>
public interface IScepRaCredentials
{
    X509Certificate CaCertificate { get; }
    /// <summary>The CA first, then its issuers (a subordinate CA's chain).</summary>
    IReadOnlyList<X509Certificate> CaChain { get; }
    X509Certificate RaCertificate { get; }
    AsymmetricKeyParameter RaPrivateKey { get; }

    /// <summary>The GetNextCACert answer (RFC 8894 4.7), signed by the CA itself.</summary>
    ScepHttpContent NextCaCertResponse();
}

/// <summary>A certificate the CA issued, as GetCert and renewal checks need it.</summary>
/// <param name="Feature">the feature that asked for it ("scep", "pkcs", ...).</param>
/// <param name="Template">the template it was issued with; null when the version that issued it did not record it.</param>
/// <param name="ReplacedBy">the serial of the certificate that superseded or renewed it; null while it is current.</param>
/// <param name="RequestId">the request ID the certificate was issued for.</param>
/// <param name="Ca">the configured CA that issued it when that is not the built-in CA (an upstream the connector enrolled at); null: the built-in CA.</param>
public sealed record IssuedCertificateInfo(byte[] Der, bool Revoked, string Feature = "", string? Template = null, string? ReplacedBy = null,
    string RequestId = "", string? Ca = null);

/// <summary>Looks up what the CA issued (GetCert, RenewalReq): null for a serial it never issued.</summary>
public interface IIssuedCertificateLookup
{
    /// <param name="serialHex">hex in any common form.</param>
    IssuedCertificateInfo? FindIssued(string serialHex);

    /// <summary>A certificate another configured CA issued for a request of this connector, as the issued-certificate store recorded it.</summary>
    IssuedCertificateInfo? FindIssuedElsewhere(string serialHex);
}
