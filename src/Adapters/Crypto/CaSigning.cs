using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CertConnector.Adapters.Crypto;

/// <summary>What every document a CA signs (certificates, CRLs, OCSP responses) shares: the signer and the AKI.</summary>
public static class CaSigning
{
    private static readonly SecureRandom Random = new();

    /// <summary>
    /// SHA-256 (SHA-384 for P-384); RSA and ECDSA through .NET's OpenSSL, which is much faster than managed BouncyCastle; a
    /// key in a PKCS#11 token signs in the token.
    /// </summary>
    public static ISignatureFactory Signer(AsymmetricKeyParameter privateKey) => privateKey is Pkcs11.TokenPrivateKey token
        ? Pkcs11.TokenSignatureFactory.For(token)
        : (ISignatureFactory?)DotNetRsaSigner.For(privateKey) ?? (ISignatureFactory?)DotNetEcdsaSigner.For(privateKey)
          ?? new Asn1SignatureFactory(KeyGeneration.SignatureAlgorithm(privateKey), privateKey, Random);

    /// <summary>
    /// The authorityKeyIdentifier of what <paramref name="ca"/> signs. It must repeat the CA's own SKI, which an
    /// imported CA may have computed differently from us.
    /// </summary>
    public static AuthorityKeyIdentifier AuthorityKeyIdentifier(X509Certificate ca)
    {
        var caSki = ca.GetExtensionValue(X509Extensions.SubjectKeyIdentifier) is { } value
            ? SubjectKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(value))
            : X509ExtensionUtilities.CreateSubjectKeyIdentifier(ca.GetPublicKey());
        return X509ExtensionUtilities.CreateAuthorityKeyIdentifier(caSki);
    }
}
