using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// CMS KeyAgreeRecipientInfo with ephemeral-static ECDH (RFC 5753 dhSinglePass-stdDH-sha*kdf-scheme, AES key wrap).
/// Written here rather than taken from BouncyCastle because BouncyCastle 2.7 puts NULL parameters in the key-wrap
/// AlgorithmIdentifier inside ECC-CMS-SharedInfo, so its KEK differs from OpenSSL's and Windows' (which, per RFC 3565,
/// leave them absent) and neither side can open the other's envelopes.
/// </summary>
internal static class EcdhKeyAgreement
{
    private static readonly Dictionary<DerObjectIdentifier, Func<IDigest>> KdfDigests = new()
    {
        [SecObjectIdentifiers.dhSinglePass_stdDH_sha224kdf_scheme] = () => new Sha224Digest(),
        [SecObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme] = () => new Sha256Digest(),
        [SecObjectIdentifiers.dhSinglePass_stdDH_sha384kdf_scheme] = () => new Sha384Digest(),
        [SecObjectIdentifiers.dhSinglePass_stdDH_sha512kdf_scheme] = () => new Sha512Digest(),
        [X9ObjectIdentifiers.DHSinglePassStdDHSha1KdfScheme] = () => new Sha1Digest(),
    };

    private static readonly Dictionary<DerObjectIdentifier, int> WrapKeyBytes = new()
    {
        [NistObjectIdentifiers.IdAes128Wrap] = 16,
        [NistObjectIdentifiers.IdAes192Wrap] = 24,
        [NistObjectIdentifiers.IdAes256Wrap] = 32,
    };

    /// <summary>Addresses the content key to one EC certificate: SHA-256 KDF, AES-256 wrap, a fresh ephemeral key.</summary>
    public sealed class RecipientGenerator(X509Certificate recipient) : RecipientInfoGenerator
    {
        public RecipientInfo Generate(KeyParameter contentEncryptionKey, SecureRandom random)
        {
            var recipientKey = (ECPublicKeyParameters)recipient.GetPublicKey();
            var (z, ephemeralPoint) = AgreeThroughOpenSsl(recipientKey) ?? AgreeInBouncyCastle(recipientKey, random);

            var agreement = SecObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme;
            var wrap = new AlgorithmIdentifier(NistObjectIdentifiers.IdAes256Wrap); // parameters absent (RFC 3565)
            var kek = DeriveKek(agreement, wrap, z, userKeyingMaterial: null);
            var wrapper = new AesWrapEngine();
            wrapper.Init(true, new KeyParameter(kek));
            var cek = contentEncryptionKey.GetKey();
            var encryptedKey = wrapper.Wrap(cek, 0, cek.Length);
            Array.Clear(kek);

            // RFC 5753 3.1.1: id-ecPublicKey with parameters absent; the curve is the recipient's.
            var originator = new OriginatorPublicKey(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey), ephemeralPoint);
            var recipientId = new KeyAgreeRecipientIdentifier(new IssuerAndSerialNumber(recipient.IssuerDN, recipient.SerialNumber));
            return new RecipientInfo(new KeyAgreeRecipientInfo(new OriginatorIdentifierOrKey(originator), null,
                new AlgorithmIdentifier(agreement, wrap), new DerSequence(new RecipientEncryptedKey(recipientId, new DerOctetString(encryptedKey)))));
        }
    }

    /// <summary>The content-encryption key from a KeyAgreeRecipientInfo, or null if none of its keys opens with this private key.</summary>
    public static byte[]? TryUnwrap(KeyAgreeRecipientInfo info, ECPrivateKeyParameters privateKey)
    {
        var agreement = info.KeyEncryptionAlgorithm.Algorithm;
        if (!KdfDigests.ContainsKey(agreement))
            throw new CmsException($"Key agreement {agreement.Id} is not supported (only ephemeral-static ECDH with an X9.63 KDF).");
        var wrap = AlgorithmIdentifier.GetInstance(info.KeyEncryptionAlgorithm.Parameters);
        var originatorKey = info.Originator.OriginatorKey
            ?? throw new CmsException("The key agreement has no originator public key.");
        var originatorPoint = privateKey.Parameters.Curve.DecodePoint(originatorKey.PublicKey.GetOctets());
        var originator = new ECPublicKeyParameters(originatorPoint, privateKey.Parameters);

        var kek = DeriveKek(agreement, wrap, SharedSecret(privateKey, originator), info.UserKeyingMaterial?.GetOctets());
        try
        {
            foreach (var element in info.RecipientEncryptedKeys)
            {
                var encryptedKey = RecipientEncryptedKey.GetInstance(element).EncryptedKey.GetOctets();
                var unwrapper = new AesWrapEngine();
                unwrapper.Init(false, new KeyParameter(kek));
                try
                {
                    return unwrapper.Unwrap(encryptedKey, 0, encryptedKey.Length);
                }
                catch (InvalidCipherTextException)
                {
                    // Addressed to another recipient key: try the next one.
                }
            }
            return null;
        }
        finally
        {
            Array.Clear(kek);
        }
    }

    /// <summary>
    /// The ephemeral key and Z through .NET's OpenSSL: BouncyCastle's managed point multiplications (two per envelope) were
    /// about a tenth of a PKCS request's CPU with an EC device certificate. Null for a curve <see cref="OpenSslCurves"/> does not take.
    /// </summary>
    private static (byte[] Z, byte[] EphemeralPoint)? AgreeThroughOpenSsl(ECPublicKeyParameters recipientKey)
    {
        if (OpenSslCurves.For(recipientKey.Parameters) is not { } curve) return null;
        using var recipientEcdh = System.Security.Cryptography.ECDiffieHellman.Create(
            new System.Security.Cryptography.ECParameters { Curve = curve, Q = OpenSslCurves.Point(recipientKey.Q) });
        using var ephemeral = System.Security.Cryptography.ECDiffieHellman.Create(curve);
        var z = ephemeral.DeriveRawSecretAgreement(recipientEcdh.PublicKey); // the x-coordinate, padded to the field size, as below
        var point = ephemeral.ExportParameters(includePrivateParameters: false).Q;
        return (z, [0x04, .. point.X!, .. point.Y!]); // uncompressed, as RFC 5753 has it
    }

    private static (byte[] Z, byte[] EphemeralPoint) AgreeInBouncyCastle(ECPublicKeyParameters recipientKey, SecureRandom random)
    {
        var ephemeralGenerator = new ECKeyPairGenerator("EC");
        ephemeralGenerator.Init(new ECKeyGenerationParameters(recipientKey.Parameters, random));
        var ephemeral = ephemeralGenerator.GenerateKeyPair();
        return (SharedSecret((ECPrivateKeyParameters)ephemeral.Private, recipientKey), ((ECPublicKeyParameters)ephemeral.Public).Q.GetEncoded(false));
    }

    /// <summary>Z of ephemeral-static ECDH: the shared point's x-coordinate, padded to the field size.</summary>
    private static byte[] SharedSecret(ECPrivateKeyParameters privateKey, ECPublicKeyParameters publicKey)
    {
        var basic = new ECDHBasicAgreement();
        basic.Init(privateKey);
        return X9IntegerConverter.IntegerToBytes(basic.CalculateAgreement(publicKey), X9IntegerConverter.GetByteLength(privateKey.Parameters.Curve));
    }

    /// <summary>RFC 5753 section 7.2: X9.63 KDF over Z with ECC-CMS-SharedInfo as the shared info. Clears Z.</summary>
    private static byte[] DeriveKek(DerObjectIdentifier agreement, AlgorithmIdentifier wrap, byte[] z, byte[]? userKeyingMaterial)
    {
        if (!WrapKeyBytes.TryGetValue(wrap.Algorithm, out var kekBytes))
        {
            Array.Clear(z);
            throw new CmsException($"Key wrap {wrap.Algorithm.Id} is not supported (only AES key wrap).");
        }

        var sharedInfo = new Asn1EncodableVector { new AlgorithmIdentifier(wrap.Algorithm) };
        if (userKeyingMaterial is not null) sharedInfo.Add(new DerTaggedObject(true, 0, new DerOctetString(userKeyingMaterial)));
        sharedInfo.Add(new DerTaggedObject(true, 2, new DerOctetString(BitConverterBigEndian(kekBytes * 8))));

        var kdf = new Kdf2BytesGenerator(KdfDigests[agreement]()); // KDF2's counter starts at 1, as X9.63's does
        kdf.Init(new KdfParameters(z, new DerSequence(sharedInfo).GetDerEncoded()));
        var kek = new byte[kekBytes];
        kdf.GenerateBytes(kek, 0, kek.Length);
        Array.Clear(z);
        return kek;
    }

    private static byte[] BitConverterBigEndian(int value) =>
        [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
