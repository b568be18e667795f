using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Security;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// Checks a CMS signerInfo that has signed attributes (RFC 5652 §5.4, §11): the content-type attribute matches, the
/// message-digest attribute is the digest of the content, and the signature over the DER signed attributes
/// verifies. RSA PKCS#1 v1.5 and RSASSA-PSS with the usual parameters run in .NET (see <see cref="PublicKeys"/>); other algorithms in BouncyCastle.
/// </summary>
public static class CmsSignatures
{
    /// <param name="contentType">The eContentType of the SignedData.</param>
    /// <param name="content">The eContent octets the signer signed.</param>
    public static bool Verify(SignerInformation signer, DerObjectIdentifier contentType, byte[] content, SubjectPublicKeyInfo key)
    {
        var hash = PublicKeys.Pkcs1Hash(signer.DigestAlgorithmID.Algorithm);
        var signatureOid = signer.SignatureAlgorithm.Algorithm;
        var rsaPkcs1 = PublicKeys.IsRsa(key) && hash is not null
            && (PkcsObjectIdentifiers.RsaEncryption.Equals(signatureOid) || PublicKeys.Pkcs1Hash(signatureOid) == hash);
        var rsaPss = PublicKeys.IsRsa(key) && hash is not null && PublicKeys.RsaPssHash(signer.SignatureAlgorithm) == hash;
        if (signer.SignedAttributes is not { } attributes)
            return BouncyCastleVerify(signer, key); // no attributes to check: the signature is over the content itself

        if (Single(attributes, CmsAttributes.ContentType) is not DerObjectIdentifier signedType || !signedType.Equals(contentType)) return false;
        if (Single(attributes, CmsAttributes.MessageDigest) is not Asn1OctetString signedDigest) return false;
        var digest = DigestUtilities.CalculateDigest(signer.DigestAlgorithmID.Algorithm, content);
        if (!CryptographicOperations.FixedTimeEquals(digest, signedDigest.GetOctets())) return false;
        if (rsaPkcs1 || rsaPss)
            return PublicKeys.VerifyRsa(key, hash!.Value, rsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1,
                signer.GetEncodedSignedAttributes(), signer.GetSignature());
        return BouncyCastleVerify(signer, key);
    }

    /// <summary>BouncyCastle's own check (EC, RSASSA-PSS, SHA-224): a content that does not match is false, not an exception.</summary>
    private static bool BouncyCastleVerify(SignerInformation signer, SubjectPublicKeyInfo key)
    {
        try
        {
            return signer.Verify(PublicKeyFactory.CreateKey(key));
        }
        catch (CmsException)
        {
            return false;
        }
    }

    private static Asn1Encodable? Single(Org.BouncyCastle.Asn1.Cms.AttributeTable attributes, DerObjectIdentifier oid)
    {
        var found = attributes.GetAll(oid);
        return found.Count == 1 && ((Org.BouncyCastle.Asn1.Cms.Attribute)found[0]).AttrValues is { Count: 1 } values ? values[0] : null;
    }
}
