using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using IssuerAndSerialNumber = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using System.Security.Cryptography;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Crypto.Pkcs11;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// Opens the pkcsPKIEnvelope (CMS EnvelopedData) of a request with the RA key. Written against the
/// ASN.1 directly rather than CmsEnvelopedData so that exactly the algorithms we advertise are accepted
/// and every failure maps to the right SCEP failInfo.
/// </summary>
internal static class EnvelopeDecryptor
{
    internal sealed record Opened(byte[] Content, string ContentAlgorithmOid, string KeyTransportOid);

    private static readonly Dictionary<string, (string Cipher, int KeyLength, int IvLength)> ContentAlgorithms = new()
    {
        [ScepOids.Aes128Cbc] = ("AES/CBC/PKCS7PADDING", 16, 16),
        [ScepOids.Aes192Cbc] = ("AES/CBC/PKCS7PADDING", 24, 16),
        [ScepOids.Aes256Cbc] = ("AES/CBC/PKCS7PADDING", 32, 16),
        [ScepOids.DesEde3Cbc] = ("DESEDE/CBC/PKCS7PADDING", 24, 8),
    };

    // Single DES (56-bit keys) is refused unless the operator lets legacy clients use it (Connector:Scep:AllowSingleDes).
    private static readonly (string Cipher, int KeyLength, int IvLength) SingleDes = ("DES/CBC/PKCS7PADDING", 8, 8);

    // RFC 8894 asks for SHA-1 or SHA-256 OAEP; the larger SHA-2 sizes cost nothing to accept.
    private static readonly HashSet<string> OaepDigests =
        [ScepOids.Sha1, ScepOids.Sha224, ScepOids.Sha256, ScepOids.Sha384, ScepOids.Sha512];

    public static Opened Open(byte[] envelope, X509Certificate raCert, AsymmetricKeyParameter raKey, bool allowSingleDes = false)
    {
        var parsed = Asn1Guard.TryParse(envelope)
            ?? throw new ScepDecodeException(ScepFailInfo.BadRequest, "pkcsPKIEnvelope is not valid BER/DER");
        var info = ContentInfo.GetInstance(parsed);
        if (!CmsObjectIdentifiers.EnvelopedData.Equals(info.ContentType))
            throw new ScepDecodeException(ScepFailInfo.BadRequest, $"pkcsPKIEnvelope has content type {info.ContentType}, expected envelopedData");
        var enveloped = EnvelopedData.GetInstance(info.Content);
        var eci = enveloped.EncryptedContentInfo;

        string contentOid = eci.ContentEncryptionAlgorithm.Algorithm.Id;
        if (contentOid == ScepOids.DesCbc && !allowSingleDes)
            throw new ScepDecodeException(ScepFailInfo.BadAlg,
                "single DES content encryption is refused (56-bit key); use AES or DES3, or set Connector:Scep:AllowSingleDes for legacy clients");
        var cipherSpec = contentOid == ScepOids.DesCbc ? SingleDes : ContentAlgorithms.GetValueOrDefault(contentOid);
        if (cipherSpec.Cipher is null)
            throw new ScepDecodeException(ScepFailInfo.BadAlg, $"unsupported content-encryption algorithm {contentOid}");
        var ciphertext = eci.EncryptedContent?.GetOctets()
            ?? throw new ScepDecodeException(ScepFailInfo.BadRequest, "pkcsPKIEnvelope has no encrypted content");
        if (eci.ContentEncryptionAlgorithm.Parameters is not Asn1OctetString ivOctets
            || ivOctets.GetOctets().Length != cipherSpec.IvLength)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, "content-encryption IV missing or of the wrong size");
        var iv = ivOctets.GetOctets();

        var ktri = OurRecipient(enveloped.RecipientInfos, raCert);
        if (!IsSupportedKeyTransport(ktri.KeyEncryptionAlgorithm))
            throw new ScepDecodeException(ScepFailInfo.BadAlg,
                $"unsupported key transport {ktri.KeyEncryptionAlgorithm.Algorithm} (rsaEncryption, or RSAES-OAEP with SHA-1/SHA-2 and MGF1)");

        try
        {
            var cek = UnwrapKey(ktri, raKey, cipherSpec.KeyLength);
            if (cek.Length == cipherSpec.KeyLength)
            {
                var cipher = CipherUtilities.GetCipher(cipherSpec.Cipher);
                cipher.Init(false, new ParametersWithIV(new KeyParameter(cek), iv));
                return new Opened(cipher.DoFinal(ciphertext), contentOid, ktri.KeyEncryptionAlgorithm.Algorithm.Id);
            }
        }
        catch (Exception)
        {
            // Corrupted key or content; all such failures are reported alike, below.
        }
        throw new ScepDecodeException(ScepFailInfo.BadMessageCheck, "cannot decrypt pkcsPKIEnvelope with the RA key");
    }

    /// <summary>
    /// The one key-transport recipient naming the RA, found without any RSA work. Others are skipped: clients such as
    /// micromdm's encrypt to every certificate GetCACert returned, and our key can only turn theirs into garbage. The
    /// RA named twice would cost one private-key operation each, so it is refused, as are more recipients than any
    /// client sends.
    /// </summary>
    private static KeyTransRecipientInfo OurRecipient(Asn1Set recipientInfos, X509Certificate raCert)
    {
        if (recipientInfos.Count > ScepMessageLimits.MaxRecipients)
            throw new ScepDecodeException(ScepFailInfo.BadRequest,
                $"pkcsPKIEnvelope has {recipientInfos.Count} recipients; at most {ScepMessageLimits.MaxRecipients} are accepted");
        var mine = recipientInfos.Cast<Asn1Encodable>()
            .Select(e => RecipientInfo.GetInstance(e).Info).OfType<KeyTransRecipientInfo>()
            .Where(k => IsFor(k.RecipientIdentifier, raCert)).ToList();
        return mine.Count switch
        {
            1 => mine[0],
            0 => throw new ScepDecodeException(ScepFailInfo.BadMessageCheck, "pkcsPKIEnvelope is not addressed to the RA certificate"),
            _ => throw new ScepDecodeException(ScepFailInfo.BadRequest, $"pkcsPKIEnvelope names the RA certificate {mine.Count} times; once is expected"),
        };
    }

    private static bool IsFor(RecipientIdentifier rid, X509Certificate cert)
    {
        if (rid.ID is Asn1OctetString ski)
        {
            var ext = cert.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
            return ext != null && SubjectKeyIdentifier.GetInstance(ext.GetOctets()).GetKeyIdentifier()
                .AsSpan().SequenceEqual(ski.GetOctets());
        }
        var ias = IssuerAndSerialNumber.GetInstance(rid.ID);
        return ias.Issuer.Equivalent(cert.IssuerDN) && ias.SerialNumber.Value.Equals(cert.SerialNumber);
    }

    private static bool IsSupportedKeyTransport(AlgorithmIdentifier alg)
    {
        if (PkcsObjectIdentifiers.RsaEncryption.Equals(alg.Algorithm)) return true;
        if (!PkcsObjectIdentifiers.IdRsaesOaep.Equals(alg.Algorithm)) return false;
        try
        {
            var p = OaepParameters(alg);
            return OaepDigests.Contains(p.HashAlgorithm.Algorithm.Id)
                && PkcsObjectIdentifiers.IdMgf1.Equals(p.MaskGenAlgorithm.Algorithm)
                && OaepDigests.Contains(AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters).Algorithm.Id);
        }
        catch (Exception)
        {
            return false;
        }
    }

    // Absent parameters mean the defaults: SHA-1, MGF1-SHA-1, empty label.
    private static RsaesOaepParameters OaepParameters(AlgorithmIdentifier alg) =>
        alg.Parameters is Asn1Sequence seq ? RsaesOaepParameters.GetInstance(seq) : new RsaesOaepParameters();

    private static byte[] UnwrapKey(KeyTransRecipientInfo ktri, AsymmetricKeyParameter raKey, int keyLength)
    {
        var wrapped = ktri.EncryptedKey.GetOctets();
        if (raKey is TokenPrivateKey token) return UnwrapInToken(ktri, token, wrapped, keyLength);
        IAsymmetricBlockCipher engine;
        if (PkcsObjectIdentifiers.IdRsaesOaep.Equals(ktri.KeyEncryptionAlgorithm.Algorithm))
        {
            var p = OaepParameters(ktri.KeyEncryptionAlgorithm);
            var hashOid = p.HashAlgorithm.Algorithm;
            var mgfHash = AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters).Algorithm;
            var label = p.PSourceAlgorithm.Parameters is Asn1OctetString l ? l.GetOctets() : null;
            // .NET's OAEP takes one digest for both OAEP and MGF1 and no label: what clients send. The rest goes to BouncyCastle.
            if (raKey is RsaPrivateCrtKeyParameters crt && hashOid.Equals(mgfHash) && label is not { Length: > 0 }
                && PublicKeys.Pkcs1Hash(hashOid) is { } hash)
                return DotNetRsaSigner.PrivateKey(crt).Decrypt(wrapped, RSAEncryptionPadding.CreateOaep(hash));
            engine = new OaepEncoding(new RsaBlindedEngine(), DigestUtilities.GetDigest(hashOid),
                DigestUtilities.GetDigest(mgfHash), label);
        }
        else if (raKey is RsaPrivateCrtKeyParameters crt)
        {
            // Implicit rejection: bad padding yields a random key of the expected length instead of an error, so
            // PKCS#1 v1.5 failures look like content failures (no Bleichenbacher oracle), as BouncyCastle does below.
            try
            {
                var key = DotNetRsaSigner.PrivateKey(crt).Decrypt(wrapped, RSAEncryptionPadding.Pkcs1);
                if (key.Length == keyLength) return key;
            }
            catch (CryptographicException)
            {
            }
            return RandomNumberGenerator.GetBytes(keyLength);
        }
        else
        {
            engine = new Pkcs1Encoding(new RsaBlindedEngine(), keyLength);
        }
        engine.Init(false, raKey);
        return engine.ProcessBlock(wrapped, 0, wrapped.Length);
    }

    /// <summary>
    /// The RA key in a PKCS#11 token decrypts there: OAEP with one digest for OAEP and MGF1 and no label (what clients
    /// send), or PKCS#1 v1.5 with the same implicit rejection as the software path.
    /// </summary>
    private static byte[] UnwrapInToken(KeyTransRecipientInfo ktri, TokenPrivateKey token, byte[] wrapped, int keyLength)
    {
        if (PkcsObjectIdentifiers.IdRsaesOaep.Equals(ktri.KeyEncryptionAlgorithm.Algorithm))
        {
            var p = OaepParameters(ktri.KeyEncryptionAlgorithm);
            var hashOid = p.HashAlgorithm.Algorithm;
            var mgfHash = AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters).Algorithm;
            var label = p.PSourceAlgorithm.Parameters is Asn1OctetString l ? l.GetOctets() : null;
            if (hashOid.Equals(mgfHash) && label is not { Length: > 0 })
            {
                try
                {
                    return token.Decrypt(wrapped, mgfHash.Id);
                }
                catch (CryptographicException)
                {
                    // The token may not do OAEP with this digest (SoftHSM 2.6: SHA-1 only): the RSA primitive in the token, OAEP here.
                }
            }
            var engine = new OaepEncoding(token.RawRsaEngine()!, DigestUtilities.GetDigest(hashOid), DigestUtilities.GetDigest(mgfHash), label);
            engine.Init(false, token);
            return engine.ProcessBlock(wrapped, 0, wrapped.Length);
        }
        try
        {
            var key = token.Decrypt(wrapped, null);
            if (key.Length == keyLength) return key;
        }
        catch (CryptographicException)
        {
        }
        return RandomNumberGenerator.GetBytes(keyLength);
    }
}
