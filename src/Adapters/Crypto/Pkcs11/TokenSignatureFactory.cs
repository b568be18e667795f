using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;

namespace CertConnector.Adapters.Crypto.Pkcs11;

/// <summary>
/// A BouncyCastle signature factory whose signature is made by the token: the data is hashed here, and the token signs
/// the hash (CKM_RSA_PKCS over the DigestInfo for RSA, CKM_ECDSA over the hash for EC), mechanisms every HSM offers.
/// The result is the same PKCS#1 v1.5 / DER ECDSA value a software key gives, so every verifier accepts it.
/// </summary>
public sealed class TokenSignatureFactory : ISignatureFactory
{
    private readonly TokenPrivateKey _key;
    private readonly HashAlgorithmName _hash;

    private TokenSignatureFactory(TokenPrivateKey key, HashAlgorithmName hash, DerObjectIdentifier algorithm, bool rsa)
    {
        _key = key;
        _hash = hash;
        // RSA signature algorithms carry NULL parameters; ECDSA ones carry none (RFC 5758).
        AlgorithmDetails = rsa ? new AlgorithmIdentifier(algorithm, DerNull.Instance) : new AlgorithmIdentifier(algorithm);
    }

    public object AlgorithmDetails { get; }

    /// <summary>SHA-256 with RSA (SHA-512 when asked, as CertReps answer SHA-512 requests), SHA-256/384 ECDSA by curve size, as <see cref="KeyGeneration.SignatureAlgorithm"/>.</summary>
    public static TokenSignatureFactory For(TokenPrivateKey key, bool sha512 = false) => key.PublicKey switch
    {
        RsaKeyParameters when sha512 => new(key, HashAlgorithmName.SHA512, PkcsObjectIdentifiers.Sha512WithRsaEncryption, true),
        RsaKeyParameters => new(key, HashAlgorithmName.SHA256, PkcsObjectIdentifiers.Sha256WithRsaEncryption, true),
        ECKeyParameters ec when ec.Parameters.Curve.FieldSize > 256 => new(key, HashAlgorithmName.SHA384, X9ObjectIdentifiers.ECDsaWithSha384, false),
        ECKeyParameters => new(key, HashAlgorithmName.SHA256, X9ObjectIdentifiers.ECDsaWithSha256, false),
        _ => throw new ArgumentException($"Unsupported token key type {key.PublicKey.GetType().Name}."),
    };

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(this);

    private byte[] Sign(byte[] data)
    {
        var hash = _hash == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : _hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : SHA256.HashData(data);
        if (_key.IsRsa) return _key.SignRaw(DigestInfo(hash));
        var raw = _key.SignRaw(hash);
        // CKM_ECDSA returns r ‖ s, each the length of the curve order; X.509 and CMS want SEQUENCE { r, s }.
        var half = raw.Length / 2;
        return new DerSequence(new DerInteger(new BigInteger(1, raw, 0, half)), new DerInteger(new BigInteger(1, raw, half, half))).GetEncoded(Asn1Encodable.Der);
    }

    private byte[] DigestInfo(byte[] hash)
    {
        var oid = _hash == HashAlgorithmName.SHA512 ? NistObjectIdentifiers.IdSha512 : NistObjectIdentifiers.IdSha256;
        return new DigestInfo(new AlgorithmIdentifier(oid, DerNull.Instance), hash).GetEncoded(Asn1Encodable.Der);
    }

    private sealed class Calculator(TokenSignatureFactory factory) : IStreamCalculator<IBlockResult>
    {
        private readonly MemoryStream _data = new();

        public Stream Stream => _data;

        public IBlockResult GetResult() => new SimpleBlockResult(factory.Sign(_data.ToArray()));
    }
}
