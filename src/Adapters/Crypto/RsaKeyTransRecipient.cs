using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// A CMS key-transport recipient (RFC 5652 §6.2.1) for an RSA certificate, named by issuer and serial, the content
/// key encrypted by .NET's RSA: BouncyCastle's own recipient generator would parse the recipient's modulus
/// (Miller-Rabin, see <see cref="PublicKeys"/>) and encrypt in managed code.
/// </summary>
public sealed class RsaKeyTransRecipient(X509Certificate recipient, RsaKeyTransport transport) : RecipientInfoGenerator
{
    private static readonly AlgorithmIdentifier Sha256 = new(NistObjectIdentifiers.IdSha256, DerNull.Instance);

    public RecipientInfo Generate(KeyParameter contentEncryptionKey, SecureRandom random)
    {
        var encryptedKey = PublicKeys.SharedRsa(recipient.SubjectPublicKeyInfo).Encrypt(contentEncryptionKey.GetKey(),
            transport == RsaKeyTransport.OaepSha256 ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.Pkcs1);
        var algorithm = transport == RsaKeyTransport.OaepSha256
            ? new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsaesOaep,
                new RsaesOaepParameters(Sha256, new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, Sha256), RsaesOaepParameters.DefaultPSourceAlgorithm))
            : new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);
        var id = new RecipientIdentifier(new Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber(recipient.IssuerDN, recipient.SerialNumber));
        return new RecipientInfo(new KeyTransRecipientInfo(id, algorithm, new DerOctetString(encryptedKey)));
    }
}
