using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Revocation;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>The delegated OCSP signing certificate: issued by the CA to itself, key encrypted at rest (ocsp.key.p8), renewed before it expires.</summary>
public sealed partial class BuiltInCa
{
    /// <summary>Short-lived (it carries id-pkix-ocsp-nocheck, so it cannot be revoked usefully) and replaced well before the end.</summary>
    private const int OcspSignerValidityDays = 90;
    private static readonly TimeSpan OcspSignerRenewBefore = TimeSpan.FromDays(14);
    private const string OcspSignerSubject = "CN=CertConnector OCSP Responder";

    private readonly object _ocspLock = new();
    private OcspSigningCredentials _ocsp;

    /// <summary>The responder certificate in use now, without renewing it (for the status page's expiry table).</summary>
    public X509Certificate OcspSignerCertificate => Volatile.Read(ref _ocsp).Certificate;

    /// <summary>The current responder credentials; renewed here (and saved) when they come within 14 days of expiry.</summary>
    public OcspSigningCredentials OcspCredentials()
    {
        var current = Volatile.Read(ref _ocsp);
        if (CertificateIds.Utc(current.Certificate.NotAfter) - _time.GetUtcNow() > OcspSignerRenewBefore) return current;
        lock (_ocspLock)
        {
            if (!ReferenceEquals(current, _ocsp)) return _ocsp;
            var passphrase = Passphrase(_options);
            try
            {
                Volatile.Write(ref _ocsp, IssueOcspSigner(_options, _time, CaCertificate, CaPrivateKey, passphrase));
            }
            finally
            {
                Array.Clear(passphrase);
            }
            return _ocsp;
        }
    }

    private static OcspSigningCredentials OpenOrIssueOcspSigner(BuiltInCaOptions options, TimeProvider time, X509Certificate ca,
        AsymmetricKeyParameter caKey, char[] passphrase)
    {
        var files = Slot(options, "ocsp");
        if (files.Exists)
        {
            var (chain, key) = files.Load(passphrase);
            var signer = chain[0];
            if (CertificateIds.Utc(signer.NotAfter) - time.GetUtcNow() > OcspSignerRenewBefore && signer.IssuerDN.Equivalent(ca.SubjectDN) && IsSignedBy(signer, ca)
                && KeyGeneration.SpecOf(signer.GetPublicKey()) == options.OcspKeySpec)
                return new OcspSigningCredentials(signer, key);
        }
        return IssueOcspSigner(options, time, ca, caKey, passphrase);
    }

    private static OcspSigningCredentials IssueOcspSigner(BuiltInCaOptions options, TimeProvider time, X509Certificate ca,
        AsymmetricKeyParameter caKey, char[] passphrase)
    {
        // Signed through .NET's OpenSSL either way (RSA by default for old clients; P-256 when set, the fastest).
        var keyPair = NewKey(options, "ocsp", options.OcspKeySpec);
        var certificate = CertificateProfile.OcspSigner(DistinguishedName.Parse(OcspSignerSubject), keyPair.Public, ca, caKey, time.GetUtcNow(), OcspSignerValidityDays);
        Slot(options, "ocsp").Save([certificate], keyPair.Private, passphrase, options.KeyFileIterations);
        return new OcspSigningCredentials(certificate, keyPair.Private);
    }
}
