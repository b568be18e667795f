using System.Security.Cryptography;
using CertConnector.Actors.Common;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// Key pair generation for every <see cref="KeySpec"/>. Two engines exist so a benchmark can compare them:
/// BouncyCastle's managed generator and .NET's (OpenSSL on Linux, CNG on Windows), whose keys are exported once
/// into BouncyCastle parameters. <see cref="Generate"/> picks the faster one measured on Linux: .NET for RSA
/// (native prime search; 2-3x faster at 2048-3072 bits) and for P-256 (OpenSSL's dedicated P-256 code), BouncyCastle
/// for P-384 (OpenSSL's generic path is slower there). Either way keys use a named-curve domain, so the
/// SubjectPublicKeyInfo carries the curve OID.
/// </summary>
public static class KeyGeneration
{
    private static readonly SecureRandom Random = new();

    public static AsymmetricCipherKeyPair Generate(KeySpec spec) =>
        spec.Algorithm == KeyAlgorithm.Ecdsa && spec.Size == 384 ? GenerateBouncyCastle(spec) : GenerateDotNet(spec);

    public static AsymmetricCipherKeyPair GenerateBouncyCastle(KeySpec spec)
    {
        if (spec.Algorithm == KeyAlgorithm.Rsa)
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), Random, RsaSize(spec), 100));
            return generator.GenerateKeyPair();
        }

        var ec = new ECKeyPairGenerator("EC");
        ec.Init(new ECKeyGenerationParameters(CurveOid(spec), Random));
        return ec.GenerateKeyPair();
    }

    public static AsymmetricCipherKeyPair GenerateDotNet(KeySpec spec)
    {
        if (spec.Algorithm == KeyAlgorithm.Rsa)
        {
            using var rsa = RSA.Create(RsaSize(spec));
            var p = rsa.ExportParameters(includePrivateParameters: true);
            try
            {
                var publicKey = new RsaKeyParameters(false, Positive(p.Modulus!), Positive(p.Exponent!));
                var privateKey = new RsaPrivateCrtKeyParameters(Positive(p.Modulus!), Positive(p.Exponent!), Positive(p.D!),
                    Positive(p.P!), Positive(p.Q!), Positive(p.DP!), Positive(p.DQ!), Positive(p.InverseQ!));
                return new AsymmetricCipherKeyPair(publicKey, privateKey);
            }
            finally
            {
                // The exported arrays are the only plaintext copies we control; wipe them.
                foreach (var secret in new[] { p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ })
                    if (secret is not null) CryptographicOperations.ZeroMemory(secret);
            }
        }

        var curveOid = CurveOid(spec);
        using var ecdsa = ECDsa.Create(spec.Size == 384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256);
        var ep = ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            var domain = new ECNamedDomainParameters(curveOid, ECNamedCurveTable.GetByOid(curveOid));
            var q = domain.Curve.CreatePoint(Positive(ep.Q.X!), Positive(ep.Q.Y!));
            return new AsymmetricCipherKeyPair(
                new ECPublicKeyParameters("EC", q, domain),
                new ECPrivateKeyParameters("EC", Positive(ep.D!), domain));
        }
        finally
        {
            if (ep.D is not null) CryptographicOperations.ZeroMemory(ep.D);
        }
    }

    /// <summary>The CSR/certificate signature algorithm for a key: SHA-256 for RSA and P-256, SHA-384 for P-384.</summary>
    public static string SignatureAlgorithm(AsymmetricKeyParameter key) => key switch
    {
        Pkcs11.TokenPrivateKey token => SignatureAlgorithm(token.PublicKey),
        RsaKeyParameters => "SHA256WITHRSA",
        ECKeyParameters ec when ec.Parameters.Curve.FieldSize > 256 => "SHA384WITHECDSA",
        ECKeyParameters => "SHA256WITHECDSA",
        _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}."),
    };

    /// <summary>The spec of a public key (RSA modulus bits, EC field bits), to compare with what the settings ask for.</summary>
    public static KeySpec SpecOf(AsymmetricKeyParameter key) => key switch
    {
        RsaKeyParameters rsa => new KeySpec(KeyAlgorithm.Rsa, rsa.Modulus.BitLength),
        ECKeyParameters ec => new KeySpec(KeyAlgorithm.Ecdsa, ec.Parameters.Curve.FieldSize),
        _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}."),
    };

    internal static DerObjectIdentifier CurveOid(KeySpec spec) => spec.Size switch
    {
        256 => SecObjectIdentifiers.SecP256r1,
        384 => SecObjectIdentifiers.SecP384r1,
        _ => throw new ArgumentException($"Unsupported curve size {spec.Size}."),
    };

    private static int RsaSize(KeySpec spec) => spec.Size is 2048 or 3072 or 4096
        ? spec.Size
        : throw new ArgumentException($"Unsupported RSA size {spec.Size}.");

    private static BigInteger Positive(byte[] bigEndian) => new(1, bigEndian);
}
