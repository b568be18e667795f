using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// Public keys that arrive from outside (CSRs, device and signer certificates), used without turning them into
/// BouncyCastle key objects: BouncyCastle runs Miller-Rabin rounds on every RSA modulus it is handed (~17 ms at
/// 2048 bits, ~60 ms at 3072 on this class of machine), and a SCEP enrollment used to parse the same key six times.
/// RSA PKCS#1 v1.5 and RSASSA-PSS (with the usual parameters) signatures are checked and RSA encryptions made by .NET's RSA
/// (OpenSSL); other algorithms (other PSS parameters, ECDSA, SHA-224) fall back to BouncyCastle, where EC keys cost nothing to parse.
/// </summary>
public static class PublicKeys
{
    public static bool IsRsa(SubjectPublicKeyInfo key) => PkcsObjectIdentifiers.RsaEncryption.Equals(key.Algorithm.Algorithm);

    public static bool IsEc(SubjectPublicKeyInfo key) => X9ObjectIdentifiers.IdECPublicKey.Equals(key.Algorithm.Algorithm);

    /// <summary>The modulus length of an RSA key, read from its ASN.1 (no primality checks).</summary>
    public static int RsaBits(SubjectPublicKeyInfo key) => RsaPublicKeyStructure.GetInstance(key.ParsePublicKey()).Modulus.BitLength;

    /// <summary>The field size of an EC key's curve (256 for P-256); BouncyCastle's EC key parse is cheap.</summary>
    public static int EcFieldSize(SubjectPublicKeyInfo key) => ((ECPublicKeyParameters)PublicKeyFactory.CreateKey(key)).Parameters.Curve.FieldSize;

    /// <summary>
    /// The .NET RSA object for an RSA SubjectPublicKeyInfo, shared: the caller must not dispose it. Importing a key into
    /// OpenSSL 3 costs ~0.25 ms of CPU here, ten times the RSA-2048 verification itself, and one SCEP enrollment used the
    /// requester's key five times (pkiMessage signature, self-signed check, CSR in the decoder and in the CA, CertRep
    /// envelope). Keys are compared by their whole DER encoding. At most <see cref="MaxSharedKeys"/> are kept; when full the
    /// cache starts afresh, and keys dropped from it are left to their finalizers (another thread may still be using one).
    /// Public keys only: nothing secret is kept.
    /// </summary>
    public static RSA SharedRsa(SubjectPublicKeyInfo key)
    {
        var der = key.GetDerEncoded();
        var id = Convert.ToBase64String(der);
        if (Shared.TryGetValue(id, out var rsa)) return rsa;
        rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(der, out _);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
        if (Shared.Count >= MaxSharedKeys) Shared.Clear();
        var shared = Shared.GetOrAdd(id, rsa);
        if (!ReferenceEquals(shared, rsa)) rsa.Dispose(); // another thread imported it first; ours was never handed out
        return shared;
    }

    /// <summary>How many imported public keys <see cref="SharedRsa"/> keeps: the enrollments in flight, many times over.</summary>
    public const int MaxSharedKeys = 4096;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, RSA> Shared = new(StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="signature"/> is <paramref name="key"/>'s signature over <paramref name="data"/> with
    /// <paramref name="algorithm"/> (e.g. sha256WithRSAEncryption, ecdsa-with-SHA256). Throws when the algorithm or key
    /// cannot be used (the caller decides whether that is a bad algorithm or a bad message).
    /// </summary>
    public static bool Verify(SubjectPublicKeyInfo key, AlgorithmIdentifier algorithm, byte[] data, byte[] signature)
    {
        if (IsRsa(key) && Pkcs1Hash(algorithm.Algorithm) is { } hash) return VerifyRsaPkcs1(key, hash, data, signature);
        if (IsRsa(key) && RsaPssHash(algorithm) is { } pssHash) return VerifyRsa(key, pssHash, RSASignaturePadding.Pss, data, signature);
        var verifier = new Asn1VerifierFactory(algorithm, PublicKeyFactory.CreateKey(key)).CreateCalculator();
        verifier.Stream.Write(data);
        verifier.Stream.Dispose();
        return verifier.GetResult().IsVerified(signature);
    }

    /// <summary>An RSA PKCS#1 v1.5 signature with the given digest (CMS signerInfos name the digest separately).</summary>
    public static bool VerifyRsaPkcs1(SubjectPublicKeyInfo key, HashAlgorithmName hash, byte[] data, byte[] signature) =>
        VerifyRsa(key, hash, RSASignaturePadding.Pkcs1, data, signature);

    /// <summary>An RSA signature with the given digest and padding, by .NET.</summary>
    public static bool VerifyRsa(SubjectPublicKeyInfo key, HashAlgorithmName hash, RSASignaturePadding padding, byte[] data, byte[] signature)
    {
        return SharedRsa(key).VerifyData(data, signature, hash, padding);
    }

    /// <summary>
    /// The digest of an RSASSA-PSS algorithm identifier whose parameters are the ones .NET verifies (MGF1 with the same
    /// SHA-1/SHA-2 digest, a salt as long as the digest, trailer 1: RFC 4055's recommendation and what clients send);
    /// null for anything else, which BouncyCastle verifies.
    /// </summary>
    public static HashAlgorithmName? RsaPssHash(AlgorithmIdentifier algorithm)
    {
        if (!PkcsObjectIdentifiers.IdRsassaPss.Equals(algorithm.Algorithm) || algorithm.Parameters is null or Asn1Null) return null;
        try
        {
            var pss = RsassaPssParameters.GetInstance(algorithm.Parameters);
            if (Pkcs1Hash(pss.HashAlgorithm.Algorithm) is not { } hash || !PkcsObjectIdentifiers.IdMgf1.Equals(pss.MaskGenAlgorithm.Algorithm)
                || !AlgorithmIdentifier.GetInstance(pss.MaskGenAlgorithm.Parameters).Algorithm.Equals(pss.HashAlgorithm.Algorithm)
                || !pss.TrailerField.HasValue(1))
                return null;
            return pss.SaltLength.HasValue(DigestLength(hash)) ? hash : null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or InvalidOperationException)
        {
            return null; // malformed parameters: BouncyCastle's verifier reports them
        }
    }

    private static int DigestLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;

    /// <summary>
    /// True when an RSA signature with <paramref name="algorithm"/> is checked by .NET, so the key never becomes a
    /// BouncyCastle key object (whose construction alone costs ~0.3 s of Miller-Rabin at 4096 bits, ~2.5 s at 8192).
    /// </summary>
    public static bool IsNativeRsaSignature(AlgorithmIdentifier algorithm) =>
        algorithm.Algorithm.Id is "1.2.840.113549.1.1.5" or "1.2.840.113549.1.1.11" or "1.2.840.113549.1.1.12" or "1.2.840.113549.1.1.13"
        || RsaPssHash(algorithm) is not null;

    /// <summary>True when <paramref name="certificate"/>'s signature verifies with <paramref name="issuerKey"/> (its own key: self-signed).</summary>
    public static bool IsSignedBy(X509Certificate certificate, SubjectPublicKeyInfo issuerKey)
    {
        try
        {
            return Verify(issuerKey, certificate.CertificateStructure.SignatureAlgorithm, certificate.GetTbsCertificate(), certificate.GetSignature());
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException or SecurityUtilityException
                                      or GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or InvalidCastException or IOException)
        {
            return false; // includes a key of another algorithm than the signature's
        }
    }

    /// <summary>The .NET digest of a sha*WithRSAEncryption signature algorithm, or of a digest algorithm OID; null for anything else.</summary>
    public static HashAlgorithmName? Pkcs1Hash(DerObjectIdentifier oid) => oid.Id switch
    {
        "1.2.840.113549.1.1.5" or "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        "1.2.840.113549.1.1.11" or "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "1.2.840.113549.1.1.12" or "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "1.2.840.113549.1.1.13" or "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => null,
    };
}
