using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// The connector key: one RSA key pair every instance holds (encrypted at rest where the CA keys are), with a certificate the
/// CA issued for it. Passwords of imported PFX files are RSA-OAEP-encrypted to it; recrypt payloads are enveloped to it.
/// </summary>
public sealed class ConnectorKeyPair
{
    public ConnectorKeyPair(X509Certificate certificate, AsymmetricKeyParameter privateKey)
    {
        if (privateKey is not RsaPrivateCrtKeyParameters rsa)
            throw new InvalidOperationException("The connector key must be an RSA key (CRT form).");
        Certificate = certificate;
        PrivateKey = rsa;
    }

    public X509Certificate Certificate { get; }
    public RsaPrivateCrtKeyParameters PrivateKey { get; }

    /// <summary>The .NET RSA object for the private key (cached per key, like the CA's signer).</summary>
    public RSA Rsa => DotNetRsaSigner.PrivateKey(PrivateKey);

    public int KeySize => PrivateKey.Modulus.BitLength;

    /// <summary>The public key as PEM SubjectPublicKeyInfo ("PUBLIC KEY"), what <c>openssl pkeyutl -pubin</c> reads.</summary>
    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", Certificate.SubjectPublicKeyInfo.GetDerEncoded()) + "\n";

    public string CertificatePem => Pem.Certificate(Certificate);

    /// <summary>SHA-256 of the SubjectPublicKeyInfo, hex: names the key in status without revealing anything.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Certificate.SubjectPublicKeyInfo.GetDerEncoded()));

    /// <summary>An RSA public key from PEM SubjectPublicKeyInfo (what the CLI gets from the admin API).</summary>
    public static RSA PublicKeyFromPem(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    /// <summary>Reads a key to import: PKCS#8 or PKCS#1 PEM, or encrypted PKCS#8 PEM with <paramref name="password"/>; RSA only.</summary>
    public static AsymmetricCipherKeyPair ReadPem(string text, string? password)
    {
        using var rsa = RSA.Create();
        if (text.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal)) rsa.ImportFromEncryptedPem(text, password ?? "");
        else rsa.ImportFromPem(text);
        return Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(rsa.ExportParameters(true));
    }
}
