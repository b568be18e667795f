using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// How much work one pkiMessage may cost. RSA key sizes are checked on the modulus length read from the ASN.1, before
/// any key object is built or any RSA operation runs: BouncyCastle runs Miller-Rabin on every modulus it is handed and
/// RSA's cost grows with the cube of the size, so a 16384-bit (or larger) key is a cheap way to make the connector work.
/// </summary>
public static class ScepMessageLimits
{
    /// <summary>
    /// Recipients of a pkcsPKIEnvelope: clients encrypt to the RA and at most to the other certificates GetCACert returned
    /// (micromdm's client: every one of them). More is not a client but someone making us look at recipients.
    /// </summary>
    public const int MaxRecipients = 16;

    /// <summary>The largest RSA modulus accepted in a signer certificate or a CSR.</summary>
    public const int MaxRsaBits = 8192;

    /// <summary>The smallest RSA modulus accepted in a CSR: what the CA issues for (see BuiltInCa's key-strength check).</summary>
    public const int MinCsrRsaBits = 2048;

    /// <summary>Throws badAlg when the signer certificate's RSA key is larger than <see cref="MaxRsaBits"/>.</summary>
    public static void CheckSignerKey(SubjectPublicKeyInfo key)
    {
        var bits = RsaBits(key, "signer certificate");
        if (bits > MaxRsaBits)
            throw new ScepDecodeException(ScepFailInfo.BadAlg, $"the signer certificate's RSA key has {bits} bits; at most {MaxRsaBits} are accepted");
    }

    /// <summary>Throws badAlg when the CSR's key is RSA and outside <see cref="MinCsrRsaBits"/>..<see cref="MaxRsaBits"/>.</summary>
    public static void CheckCsrKey(SubjectPublicKeyInfo key)
    {
        if (!PublicKeys.IsRsa(key)) return; // EC keys cost nothing to parse; the CA judges their curve
        var bits = RsaBits(key, "PKCS#10 request");
        if (bits is < MinCsrRsaBits or > MaxRsaBits)
            throw new ScepDecodeException(ScepFailInfo.BadAlg,
                $"the PKCS#10 request's RSA key has {bits} bits; {MinCsrRsaBits} to {MaxRsaBits} are accepted");
    }

    /// <summary>
    /// Throws badAlg when an RSA signature would be checked by BouncyCastle rather than .NET: BouncyCastle builds a key
    /// object first, and its Miller-Rabin rounds cost ~2.5 s of CPU for an 8192-bit modulus before the signature is even
    /// looked at. What clients send (PKCS#1 v1.5 or RSASSA-PSS with SHA-1/SHA-2 and the usual parameters) is native.
    /// </summary>
    public static void CheckRsaSignatureAlgorithm(AlgorithmIdentifier algorithm, string where)
    {
        if (!PublicKeys.IsNativeRsaSignature(algorithm))
            throw new ScepDecodeException(ScepFailInfo.BadAlg, $"the {where}'s signature algorithm {algorithm.Algorithm} is not accepted with an RSA key " +
                                                               "(PKCS#1 v1.5 or RSASSA-PSS with MGF1 and a digest-sized salt, SHA-1/SHA-256/SHA-384/SHA-512)");
    }

    /// <summary>
    /// The signer certificate's own signature is checked too: with its own RSA key when self-signed (an initial
    /// enrollment), with the CA's key when it claims to be one we issued (a renewal). An RSA algorithm only BouncyCastle
    /// could check would have either key built as a BouncyCastle object; ECDSA (an EC CA) costs nothing and passes.
    /// </summary>
    public static void CheckSignerCertificateAlgorithm(Org.BouncyCastle.X509.X509Certificate signer)
    {
        var algorithm = signer.CertificateStructure.SignatureAlgorithm;
        if (signer.IssuerDN.Equivalent(signer.SubjectDN) || algorithm.Algorithm.Id.StartsWith(Pkcs1Arc, StringComparison.Ordinal))
            CheckRsaSignatureAlgorithm(algorithm, "signer certificate");
    }

    // PKCS #1: rsaEncryption, md*/sha*WithRSAEncryption, RSASSA-PSS, RSAES-OAEP.
    private const string Pkcs1Arc = "1.2.840.113549.1.1.";

    /// <summary>
    /// The SignerInfo flavour of <see cref="CheckRsaSignatureAlgorithm"/>: the digest is named apart from the signature
    /// algorithm, which may be plain rsaEncryption, and the two must agree.
    /// </summary>
    public static void CheckRsaSignerInfoAlgorithms(AlgorithmIdentifier digest, AlgorithmIdentifier signature)
    {
        var hash = PublicKeys.Pkcs1Hash(digest.Algorithm);
        var native = hash is not null && (PkcsObjectIdentifiers.RsaEncryption.Equals(signature.Algorithm)
                                          || PublicKeys.IsNativeRsaSignature(signature)
                                          && (PublicKeys.Pkcs1Hash(signature.Algorithm) ?? PublicKeys.RsaPssHash(signature)) == hash);
        if (!native)
            throw new ScepDecodeException(ScepFailInfo.BadAlg, $"signerInfo digest {digest.Algorithm} with signature algorithm {signature.Algorithm} is not accepted " +
                                                               "(rsaEncryption, sha*WithRSAEncryption or RSASSA-PSS of the same SHA-1/SHA-256/SHA-384/SHA-512 digest)");
    }

    private static int RsaBits(SubjectPublicKeyInfo key, string where)
    {
        try
        {
            return PublicKeys.RsaBits(key);
        }
        catch (Exception e)
        {
            throw new ScepDecodeException(ScepFailInfo.BadRequest, $"the {where}'s RSA public key is malformed", e);
        }
    }
}
