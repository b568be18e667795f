using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// A RenewalReq needs no challenge because it is signed by a certificate we issued: it must verify
/// against our CA, be in the issued-certificate store and not revoked, be valid now, expire within the
/// renewal window, and name the same subject as the new CSR.
/// </summary>
public sealed class ScepRenewalPolicy(IScepRaCredentials ca, IIssuedCertificateLookup issued, ScepOptions options, TimeProvider time)
{
    /// <param name="csrDer">the new CSR, already verified by the decoder; only its subject is read (no key parse: costly in BouncyCastle).</param>
    /// <returns>The serial number being renewed, or an error sentence.</returns>
    public (string? Serial, string? Error) Check(byte[] signerCertificateDer, byte[] csrDer)
    {
        X509Certificate signer;
        try
        {
            signer = new X509Certificate(signerCertificateDer);
            if (!PublicKeys.IsSignedBy(signer, ca.CaCertificate.SubjectPublicKeyInfo))
                return (null, "the renewal is not signed by a certificate of this CA");
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                                      or Org.BouncyCastle.Security.SignatureException or ArgumentException or InvalidOperationException or IOException)
        {
            return (null, "the renewal is not signed by a certificate of this CA");
        }
        var serial = CertificateIds.SerialHex(signer.SerialNumber);
        var record = issued.FindIssued(serial);
        if (record is null) return (null, $"certificate {serial} is not in the issued-certificate store");
        if (record.Revoked) return (null, $"certificate {serial} is revoked");
        var now = time.GetUtcNow();
        if (now.UtcDateTime < signer.NotBefore || now.UtcDateTime > signer.NotAfter) return (null, $"certificate {serial} is not valid now");
        if (signer.NotAfter - now.UtcDateTime > TimeSpan.FromDays(options.RenewalWindowDays))
            return (null, $"certificate {serial} expires {signer.NotAfter:u}, outside the {options.RenewalWindowDays}-day renewal window");
        var csrSubject = new Pkcs10CertificationRequest(csrDer).GetCertificationRequestInfo().Subject;
        if (!signer.SubjectDN.Equivalent(csrSubject, true)) return (null, "the new request's subject differs from the certificate being renewed");
        return (serial, null);
    }
}
