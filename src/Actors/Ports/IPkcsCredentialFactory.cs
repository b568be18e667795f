using CertConnector.Actors.Common;

namespace CertConnector.Actors.Ports;

/// <summary>
/// A freshly generated key pair and its CSR. The private key lives only inside this object, in memory;
/// dispose it as soon as the credential is sealed.
/// </summary>
public abstract class PendingCredential : IDisposable
{
    public abstract byte[] CsrDer { get; }
    public abstract void Dispose();
}

/// <summary>
/// The deliverable: a PKCS#12 (key + certificate + chain, AES-256/PBES2 under a random password) and that
/// password, each as DER CMS EnvelopedData addressed to the device certificate. Safe to persist: only the
/// device's private key opens either.
/// </summary>
public sealed record SealedCredential(byte[] EncryptedPfx, byte[] EncryptedPassword);

/// <summary>The server-side key generation and packaging of the PKCS feature (CPU-bound, synchronous).</summary>
public interface IPkcsCredentialFactory
{
    /// <summary>Throws a final <see cref="ConnectorFailureException"/> when the device certificate is unusable
    /// (not a certificate, expired or not yet valid, a key we cannot encrypt to).</summary>
    void ValidateDeviceCertificate(byte[] deviceCertificateDer, DateTimeOffset now);

    /// <param name="challengePassword">the challenge the CA demands inside the CSR (RFC 8894 §3.3.1: the challengePassword attribute,
    /// covered by the CSR's signature); null for a CA that demands none.</param>
    PendingCredential CreateKeyAndCsr(KeySpec keySpec, string subjectName, IReadOnlyList<SubjectAltName> subjectAlternativeNames, string? challengePassword = null);

    SealedCredential Seal(PendingCredential pending, IssuedCertificate certificate, byte[] deviceCertificateDer);

    /// <summary>The pending key as PKCS#8 DER, to be journaled sealed (<c>PkcsKeyMade</c>) before an outside CA sees its CSR.</summary>
    byte[] ExportKey(PendingCredential pending);

    /// <summary>A pending credential again from its journaled key and CSR (the CSR carries the public key).</summary>
    PendingCredential Restore(byte[] keyPkcs8, byte[] csrDer);
}
