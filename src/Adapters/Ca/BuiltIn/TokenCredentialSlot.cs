using CertConnector.Adapters.Crypto.Pkcs11;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// A credential whose key is in a PKCS#11 token (<c>Connector:Ca:KeyStore=pkcs11</c>): the certificates stay where they
/// always were (<paramref name="certificates"/>: the CA directory or the cluster's shared database), and the certificate's
/// public key names the token object (CKA_ID), so every instance of a cluster finds the same key.
/// </summary>
internal sealed class TokenCredentialSlot(ICaCredentialSlot certificates, Pkcs11Token token, string label) : ICaCredentialSlot
{
    public bool Exists => certificates.Exists;

    public bool OrphanKey => false; // a key in the token without its certificate is harmless: it is never used

    public string Where => certificates.Where;

    public (IReadOnlyList<X509Certificate> Chain, AsymmetricKeyParameter Key) Load(char[] passphrase)
    {
        var chain = certificates.LoadCertificates();
        var key = token.Find(label, chain[0])
                  ?? throw new InvalidOperationException(
                      $"PKCS#11 token '{token.Label}' holds no private key for the certificate in {Where} (label '{label}', CKA_ID " +
                      $"{Convert.ToHexStringLower(Pkcs11Token.IdOf(chain[0].SubjectPublicKeyInfo))}). A CA created with file keys is moved " +
                      "into the token by importing it (Connector:Ca:ImportPkcs12 on a new data directory), not by switching the key store.");
        if (!CaKeyFiles.KeyMatches(chain[0], key))
            throw new InvalidOperationException($"The key '{label}' in PKCS#11 token '{token.Label}' does not sign for the certificate in {Where}.");
        return (chain, key);
    }

    /// <summary>Keeps the certificates; the key must already be in the token (generated or imported there).</summary>
    public void Save(IReadOnlyList<X509Certificate> chain, AsymmetricKeyParameter key, char[] passphrase, int iterations)
    {
        if (key is not TokenPrivateKey)
            throw new InvalidOperationException($"The key for {Where} is not in PKCS#11 token '{token.Label}'; it must be generated or imported there.");
        certificates.SaveCertificates(chain);
    }

    public IReadOnlyList<X509Certificate> LoadCertificates() => certificates.LoadCertificates();

    public void SaveCertificates(IReadOnlyList<X509Certificate> chain) => certificates.SaveCertificates(chain);
}
