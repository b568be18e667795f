using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// SHA256withECDSA (P-256) and SHA384withECDSA (P-384) signatures made by .NET's ECDsa (OpenSSL on Linux) for BouncyCastle's
/// generators: the OCSP responder with an EC key signs every nonce answer, and OpenSSL's P-256 is many times faster than
/// managed BouncyCastle's. The signature is DER (RFC 3279), as X.509 and OCSP carry it. The .NET key is made once per key object.
/// </summary>
public sealed class DotNetEcdsaSigner : ISignatureFactory
{
    private static readonly ConditionalWeakTable<ECPrivateKeyParameters, ECDsa> Keys = new();
    private readonly ECDsa _ecdsa;
    private readonly HashAlgorithmName _hash;

    private DotNetEcdsaSigner(ECDsa ecdsa, HashAlgorithmName hash, AlgorithmIdentifier algorithm)
    {
        _ecdsa = ecdsa;
        _hash = hash;
        AlgorithmDetails = algorithm;
    }

    public object AlgorithmDetails { get; }

    /// <summary>For a P-256 or P-384 private key, a signer; otherwise (another curve too) null, and the caller uses BouncyCastle.</summary>
    public static DotNetEcdsaSigner? For(AsymmetricKeyParameter key)
    {
        if (key is not ECPrivateKeyParameters ec) return null;
        // The curve itself, not its size: an imported CA may be on brainpoolP256r1 or secp256k1, also 256 bits wide.
        var (hash, oid) =
            ec.Parameters.Equals(OpenSslCurves.P256) ? (HashAlgorithmName.SHA256, X9ObjectIdentifiers.ECDsaWithSha256)
            : ec.Parameters.Equals(OpenSslCurves.P384) ? (HashAlgorithmName.SHA384, X9ObjectIdentifiers.ECDsaWithSha384)
            : default;
        if (oid is null || OpenSslCurves.For(ec.Parameters) is not { } curve) return null;
        var dotNet = Keys.GetValue(ec, k =>
        {
            var size = (k.Parameters.Curve.FieldSize + 7) / 8;
            return ECDsa.Create(new ECParameters
            {
                Curve = curve,
                D = Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(size, k.D),
                Q = OpenSslCurves.Point(k.Parameters.G.Multiply(k.D)),
            });
        });
        return new DotNetEcdsaSigner(dotNet, hash, new AlgorithmIdentifier(oid)); // ECDSA identifiers carry no parameters (RFC 5758)
    }

    public IStreamCalculator<IBlockResult> CreateCalculator() =>
        new DotNetSignatureCalculator(data => _ecdsa.SignData(data, _hash, DSASignatureFormat.Rfc3279DerSequence));
}
