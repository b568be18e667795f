using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// Writes a PKCS#12 with PBES2/AES-256-CBC/PBKDF2-HMAC-SHA256 for both the key bag and the certificate bags and
/// an HMAC-SHA256 integrity MAC (what <c>openssl pkcs12 -export</c> does in OpenSSL 3). Built by hand because
/// BouncyCastle's Pkcs12Store always uses a SHA-1 MAC.
/// </summary>
public static class Pkcs12Builder
{
    /// <summary>OpenSSL's default; devices open these on every install, so stay moderate.</summary>
    public const int Iterations = 2048;

    private static readonly SecureRandom Random = new();

    public static byte[] Build(AsymmetricKeyParameter privateKey, X509Certificate certificate, IEnumerable<X509Certificate> chain,
        char[] password, string friendlyName)
    {
        // localKeyID ties the key to its certificate; the SKI-style SHA-1 of the public key is the usual choice.
        var localKeyId = X509ExtensionUtilities.CreateSubjectKeyIdentifier(certificate.SubjectPublicKeyInfo).GetKeyIdentifier();
        var attributes = new DerSet(
            new DerSequence(PkcsObjectIdentifiers.Pkcs9AtFriendlyName, new DerSet(new DerBmpString(friendlyName))),
            new DerSequence(PkcsObjectIdentifiers.Pkcs9AtLocalKeyID, new DerSet(new DerOctetString(localKeyId))));

        var keyBag = new SafeBag(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag,
            Pbes2.EncryptPrivateKey(privateKey, password, Iterations), attributes);
        var keyContent = new ContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(new DerSequence(keyBag).GetDerEncoded()));

        var certBags = new Asn1EncodableVector { CertBag(certificate, attributes) };
        foreach (var issuer in chain) certBags.Add(CertBag(issuer, null));
        var certAlgorithm = Pbes2.NewAlgorithm(Iterations);
        var encryptedCerts = Pbes2.Encrypt(certAlgorithm, password, new DerSequence(certBags).GetDerEncoded());
        var certContent = new ContentInfo(PkcsObjectIdentifiers.EncryptedData,
            new EncryptedData(PkcsObjectIdentifiers.Data, certAlgorithm, new DerOctetString(encryptedCerts)));

        var authenticatedSafe = new AuthenticatedSafe([keyContent, certContent]).GetDerEncoded();
        var macSalt = new byte[16];
        Random.NextBytes(macSalt);
        var mac = new DigestInfo(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance),
            Sha256Mac(password, macSalt, Iterations, authenticatedSafe));

        return new Pfx(new ContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(authenticatedSafe)),
            new MacData(mac, macSalt, Iterations)).GetDerEncoded();
    }

    private static SafeBag CertBag(X509Certificate certificate, Asn1Set? attributes)
    {
        var bag = new CertBag(PkcsObjectIdentifiers.X509Certificate, new DerOctetString(certificate.GetEncoded()));
        return attributes is null ? new SafeBag(PkcsObjectIdentifiers.CertBag, bag) : new SafeBag(PkcsObjectIdentifiers.CertBag, bag, attributes);
    }

    /// <summary>RFC 7292 appendix B key derivation (ID 3, BMPString password) feeding HMAC-SHA256.</summary>
    private static byte[] Sha256Mac(char[] password, byte[] salt, int iterations, byte[] data)
    {
        var generator = new Pkcs12ParametersGenerator(new Sha256Digest());
        var passwordBytes = PbeParametersGenerator.Pkcs12PasswordToBytes(password);
        try
        {
            generator.Init(passwordBytes, salt, iterations);
            var hmac = new HMac(new Sha256Digest());
            hmac.Init(generator.GenerateDerivedMacParameters(256));
            hmac.BlockUpdate(data, 0, data.Length);
            var result = new byte[hmac.GetMacSize()];
            hmac.DoFinal(result, 0);
            return result;
        }
        finally
        {
            Array.Clear(passwordBytes);
        }
    }
}
