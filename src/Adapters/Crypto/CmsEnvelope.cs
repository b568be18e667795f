using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

public enum CmsContentAlgorithm { Aes128Cbc, Aes192Cbc, Aes256Cbc, DesEde3Cbc }

/// <summary>How the content key reaches an RSA recipient. EC recipients always get ECDH (stdDH, SHA-256 KDF, AES-256 wrap; see <see cref="EcdhKeyAgreement"/>).</summary>
public enum RsaKeyTransport { OaepSha256, Pkcs1v15 }

/// <summary>CMS EnvelopedData (RFC 5652) to one recipient certificate, DER encoded, and its inverse.</summary>
public static class CmsEnvelope
{
    private static readonly SecureRandom Random = new();

    public static byte[] Encrypt(byte[] content, X509Certificate recipient,
        CmsContentAlgorithm contentAlgorithm = CmsContentAlgorithm.Aes256Cbc, RsaKeyTransport rsaKeyTransport = RsaKeyTransport.OaepSha256)
    {
        var generator = new CmsEnvelopedDataGenerator(Random);
        var key = recipient.SubjectPublicKeyInfo;
        if (PublicKeys.IsRsa(key))
            generator.AddRecipientInfoGenerator(new RsaKeyTransRecipient(recipient, rsaKeyTransport));
        else if (PublicKeys.IsEc(key))
            generator.AddRecipientInfoGenerator(new EcdhKeyAgreement.RecipientGenerator(recipient));
        else
            throw new ArgumentException($"Cannot encrypt to a key of type {key.Algorithm.Algorithm.Id}.");

        var enveloped = generator.Generate(new CmsProcessableByteArray(content), new DerObjectIdentifier(ContentOid(contentAlgorithm)));
        return enveloped.ContentInfo.GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>
    /// Decrypts with <paramref name="privateKey"/>. With <paramref name="recipient"/> only its RecipientInfo is
    /// tried; without, every RecipientInfo of a matching kind is tried.
    /// </summary>
    public static byte[] Decrypt(byte[] envelopedData, AsymmetricKeyParameter privateKey, X509Certificate? recipient = null)
    {
        var enveloped = new CmsEnvelopedData(envelopedData);
        return privateKey is ECPrivateKeyParameters ec ? DecryptKeyAgreement(enveloped, ec) : DecryptKeyTransport(enveloped, privateKey, recipient);
    }

    private static byte[] DecryptKeyTransport(CmsEnvelopedData enveloped, AsymmetricKeyParameter privateKey, X509Certificate? recipient)
    {
        var recipients = enveloped.GetRecipientInfos();
        var candidates = recipient is null
            ? recipients.GetRecipients()
            : recipients.GetRecipients(new RecipientID { Issuer = recipient.IssuerDN, SerialNumber = recipient.SerialNumber });
        // Recipients named by subject key identifier do not match an issuer/serial selector: fall back to all.
        if (candidates.Count == 0) candidates = recipients.GetRecipients();

        Exception? last = null;
        foreach (var info in candidates.OfType<KeyTransRecipientInformation>())
        {
            try
            {
                return info.GetContent(privateKey);
            }
            catch (Exception e) when (e is CmsException or InvalidCipherTextException or ArgumentException)
            {
                last = e;
            }
        }
        throw new CmsException("No key-transport recipient in the envelope could be decrypted with the given key.", last);
    }

    private static byte[] DecryptKeyAgreement(CmsEnvelopedData enveloped, ECPrivateKeyParameters privateKey)
    {
        foreach (var element in enveloped.EnvelopedData.RecipientInfos)
        {
            if (RecipientInfo.GetInstance(element).Info is not KeyAgreeRecipientInfo agreement) continue;
            var contentKey = EcdhKeyAgreement.TryUnwrap(agreement, privateKey);
            if (contentKey is null) continue;
            try
            {
                return DecryptContent(enveloped.EnvelopedData.EncryptedContentInfo, contentKey);
            }
            finally
            {
                Array.Clear(contentKey);
            }
        }
        throw new CmsException("No key-agreement recipient in the envelope could be decrypted with the given key.");
    }

    private static byte[] DecryptContent(EncryptedContentInfo info, byte[] contentKey)
    {
        var algorithm = info.ContentEncryptionAlgorithm;
        var cipher = CipherUtilities.GetCipher(algorithm.Algorithm);
        var key = ParameterUtilities.CreateKeyParameter(algorithm.Algorithm, contentKey);
        cipher.Init(false, ParameterUtilities.GetCipherParameters(algorithm.Algorithm, key, algorithm.Parameters?.ToAsn1Object()));
        return cipher.DoFinal(info.EncryptedContent?.GetOctets() ?? throw new CmsException("The envelope has no encrypted content."));
    }

    public static string ContentOid(CmsContentAlgorithm algorithm) => algorithm switch
    {
        CmsContentAlgorithm.Aes128Cbc => CmsEnvelopedGenerator.Aes128Cbc,
        CmsContentAlgorithm.Aes192Cbc => CmsEnvelopedGenerator.Aes192Cbc,
        CmsContentAlgorithm.Aes256Cbc => CmsEnvelopedGenerator.Aes256Cbc,
        CmsContentAlgorithm.DesEde3Cbc => CmsEnvelopedGenerator.DesEde3Cbc,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };
}
