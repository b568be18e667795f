using CertConnector.Adapters.Files;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// A certificate (plus chain) in <c>{name}.crt.pem</c> and its key as PBES2-encrypted PKCS#8 in <c>{name}.key.p8</c>
/// (mode 0600). The key is written before the certificate, so a certificate on disk always has its key.
/// </summary>
internal sealed class CaKeyFiles(string directory, string name) : ICaCredentialSlot
{
    public string CertificatePath { get; } = Path.Combine(directory, name + ".crt.pem");
    public string KeyPath { get; } = Path.Combine(directory, name + ".key.p8");

    public bool Exists => File.Exists(CertificatePath);

    public bool OrphanKey => !Exists && File.Exists(KeyPath);

    public string Where => CertificatePath;

    /// <summary>Certificate first, then its issuers.</summary>
    public (IReadOnlyList<X509Certificate> Chain, AsymmetricKeyParameter Key) Load(char[] passphrase)
    {
        if (!File.Exists(KeyPath))
            throw new InvalidOperationException($"{CertificatePath} exists but its key {KeyPath} does not. Restore the key, or delete both to create a new CA " +
                                                "(a CA whose keys are in a PKCS#11 token needs Connector:Ca:KeyStore=pkcs11 and the token's settings).");
        var chain = LoadCertificates();

        AsymmetricKeyParameter key;
        try
        {
            key = Pbes2.DecryptPrivateKey(File.ReadAllBytes(KeyPath), passphrase);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidOperationException($"Cannot decrypt {KeyPath}: the passphrase is wrong or the file is damaged ({e.Message}).", e);
        }
        if (!KeyMatches(chain[0], key))
            throw new InvalidOperationException($"The key in {KeyPath} does not belong to the certificate in {CertificatePath}.");
        return (chain, key);
    }

    public IReadOnlyList<X509Certificate> LoadCertificates()
    {
        var chain = Pem.ReadCertificates(CertificatePath);
        return chain.Count == 0 ? throw new InvalidOperationException($"{CertificatePath} holds no certificate.") : chain;
    }

    public void SaveCertificates(IReadOnlyList<X509Certificate> chain) => SecureFiles.WritePublic(CertificatePath, Pem.Certificates(chain));

    public void Save(IReadOnlyList<X509Certificate> chain, AsymmetricKeyParameter key, char[] passphrase, int iterations)
    {
        SecureFiles.WriteSecret(KeyPath, Pbes2.ToEncryptedPem(key, passphrase, iterations));
        SecureFiles.WritePublic(CertificatePath, Pem.Certificates(chain));
    }

    /// <summary>
    /// Signs a probe with the key and verifies it with the certificate: works for RSA and EC alike, and for a key in a
    /// PKCS#11 token (which then signs the probe itself, proving the login works).
    /// </summary>
    public static bool KeyMatches(X509Certificate certificate, AsymmetricKeyParameter key)
    {
        var algorithm = KeyGeneration.SignatureAlgorithm(key);
        var probe = "CertConnector key check"u8.ToArray();
        var calculator = CaSigning.Signer(key).CreateCalculator();
        calculator.Stream.Write(probe);
        var signature = calculator.GetResult().Collect();
        var verifier = SignerUtilities.GetSigner(algorithm);
        try
        {
            verifier.Init(false, certificate.GetPublicKey());
        }
        catch (Exception e) when (e is InvalidKeyException or ArgumentException or InvalidCastException)
        {
            return false;
        }
        verifier.BlockUpdate(probe, 0, probe.Length);
        return verifier.VerifySignature(signature);
    }
}
