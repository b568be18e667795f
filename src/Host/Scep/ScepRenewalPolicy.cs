using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Actors.Scep;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Scep;

/// <summary>
/// A RenewalReq needs no challenge because it is signed by a certificate we issued: it must verify
/// against our CA, be in the issued-certificate store and not revoked, be valid now, expire within the
/// renewal window, and name the same subject as the new CSR.
/// </summary>
public sealed class ScepRenewalPolicy(BuiltInCa ca, ScepOptions options, TimeProvider time)
{
    /// <returns>The serial number being renewed, or an error sentence.</returns>
    public (string? Serial, string? Error) Check(byte[] signerCertificateDer, Org.BouncyCastle.Asn1.X509.X509Name csrSubject)
    {
        X509Certificate signer;
        try
        {
            signer = new X509Certificate(signerCertificateDer);
            signer.Verify(ca.CaCertificate.GetPublicKey());
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                                      or Org.BouncyCastle.Security.SignatureException or ArgumentException or InvalidOperationException or IOException)
        {
            return (null, "the renewal is not signed by a certificate of this CA");
        }
        var serial = CertConnector.Adapters.Crypto.CertificateIds.SerialHex(signer.SerialNumber);
        var record = ca.Store.FindBySerial(serial);
        if (record is null) return (null, $"certificate {serial} is not in the issued-certificate store");
        if (record.Status != IssuedCertificateRecord.Issued) return (null, $"certificate {serial} is {record.Status}");
        var now = time.GetUtcNow();
        if (now.UtcDateTime < signer.NotBefore || now.UtcDateTime > signer.NotAfter) return (null, $"certificate {serial} is not valid now");
        if (signer.NotAfter - now.UtcDateTime > TimeSpan.FromDays(options.RenewalWindowDays))
            return (null, $"certificate {serial} expires {signer.NotAfter:u}, outside the {options.RenewalWindowDays}-day renewal window");
        if (!signer.SubjectDN.Equivalent(csrSubject, true)) return (null, "the new request's subject differs from the certificate being renewed");
        return (serial, null);
    }
}
