using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// PBES2 (RFC 8018) with PBKDF2-HMAC-SHA256 and AES-256-CBC: the scheme OpenSSL 3 and Windows use by default
/// for PKCS#12 and encrypted PKCS#8. The password is used as UTF-8 bytes, as RFC 8018 recommends and OpenSSL does.
/// </summary>
public static class Pbes2
{
    private static readonly SecureRandom Random = new();

    /// <summary>Fresh parameters: 16-byte random salt and IV.</summary>
    public static AlgorithmIdentifier NewAlgorithm(int iterations)
    {
        var salt = new byte[16];
        var iv = new byte[16];
        Random.NextBytes(salt);
        Random.NextBytes(iv);
        var prf = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance);
        var kdf = new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, new Pbkdf2Params(salt, iterations, prf));
        var scheme = new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv));
        return new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, new PbeS2Parameters(kdf, scheme));
    }

    public static byte[] Encrypt(AlgorithmIdentifier algorithm, char[] password, byte[] plaintext) => Crypt(true, algorithm, password, plaintext);

    public static byte[] Decrypt(AlgorithmIdentifier algorithm, char[] password, byte[] ciphertext) => Crypt(false, algorithm, password, ciphertext);

    /// <summary>The private key as PKCS#8 EncryptedPrivateKeyInfo under PBES2.</summary>
    public static EncryptedPrivateKeyInfo EncryptPrivateKey(AsymmetricKeyParameter privateKey, char[] password, int iterations)
    {
        var algorithm = NewAlgorithm(iterations);
        var plain = PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetDerEncoded();
        try
        {
            return new EncryptedPrivateKeyInfo(algorithm, Encrypt(algorithm, password, plain));
        }
        finally
        {
            Array.Clear(plain);
        }
    }

    /// <summary>PEM "ENCRYPTED PRIVATE KEY" text, readable by <c>openssl pkey</c>.</summary>
    public static string ToEncryptedPem(AsymmetricKeyParameter privateKey, char[] password, int iterations)
    {
        var der = EncryptPrivateKey(privateKey, password, iterations).GetDerEncoded();
        using var writer = new StringWriter();
        var pem = new PemWriter(writer);
        pem.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("ENCRYPTED PRIVATE KEY", der));
        pem.Writer.Flush();
        return writer.ToString();
    }

    /// <summary>Reads PEM or DER encrypted PKCS#8; a wrong password surfaces as an exception.</summary>
    public static AsymmetricKeyParameter DecryptPrivateKey(byte[] pemOrDer, char[] password)
    {
        var der = pemOrDer;
        if (pemOrDer.Length > 0 && pemOrDer[0] == (byte)'-')
        {
            using var reader = new StreamReader(new MemoryStream(pemOrDer));
            der = new Org.BouncyCastle.Utilities.IO.Pem.PemReader(reader).ReadPemObject()?.Content
                ?? throw new InvalidDataException("No PEM object found in the key file.");
        }
        var info = EncryptedPrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(der));
        var plain = Decrypt(info.EncryptionAlgorithm, password, info.GetEncryptedData());
        try
        {
            return PrivateKeyFactory.CreateKey(plain);
        }
        finally
        {
            Array.Clear(plain);
        }
    }

    private static readonly Dictionary<DerObjectIdentifier, System.Security.Cryptography.HashAlgorithmName> Prfs = new()
    {
        [PkcsObjectIdentifiers.IdHmacWithSha1] = System.Security.Cryptography.HashAlgorithmName.SHA1,
        [PkcsObjectIdentifiers.IdHmacWithSha256] = System.Security.Cryptography.HashAlgorithmName.SHA256,
        [PkcsObjectIdentifiers.IdHmacWithSha384] = System.Security.Cryptography.HashAlgorithmName.SHA384,
        [PkcsObjectIdentifiers.IdHmacWithSha512] = System.Security.Cryptography.HashAlgorithmName.SHA512,
    };

    private static readonly Dictionary<DerObjectIdentifier, int> AesKeyBits = new()
    {
        [NistObjectIdentifiers.IdAes128Cbc] = 128,
        [NistObjectIdentifiers.IdAes192Cbc] = 192,
        [NistObjectIdentifiers.IdAes256Cbc] = 256,
    };

    /// <summary>
    /// PBKDF2 and AES-CBC done here rather than through PbeUtilities, which feeds PBKDF2 one byte per char
    /// (Latin-1, failing above U+00FF) instead of UTF-8, so a non-ASCII passphrase would not open in OpenSSL.
    /// PBKDF2 runs in .NET (OpenSSL underneath): managed BouncyCastle's SHA-256 made it about a fifth of a PKCS request's CPU
    /// (perf, issue 21).
    /// </summary>
    private static byte[] Crypt(bool encrypt, AlgorithmIdentifier algorithm, char[] password, byte[] input)
    {
        if (!algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
            throw new NotSupportedException($"Only PBES2 is supported, not {algorithm.Algorithm.Id}.");
        var parameters = PbeS2Parameters.GetInstance(algorithm.Parameters);
        if (!parameters.KeyDerivationFunc.Algorithm.Equals(PkcsObjectIdentifiers.IdPbkdf2))
            throw new NotSupportedException($"Only PBKDF2 is supported, not {parameters.KeyDerivationFunc.Algorithm.Id}.");
        var kdf = Pbkdf2Params.GetInstance(parameters.KeyDerivationFunc.Parameters);
        if (!Prfs.TryGetValue(kdf.Prf.Algorithm, out var prf))
            throw new NotSupportedException($"PBKDF2 with PRF {kdf.Prf.Algorithm.Id} is not supported.");
        var scheme = parameters.EncryptionScheme;
        if (!AesKeyBits.TryGetValue(scheme.Algorithm, out var keyBits))
            throw new NotSupportedException($"PBES2 with cipher {scheme.Algorithm.Id} is not supported (AES-CBC only).");
        var iv = Asn1OctetString.GetInstance(scheme.Parameters).GetOctets();

        var iterations = kdf.IterationCount.IntValueExact;
        if (iterations < 1) throw new NotSupportedException($"A PBKDF2 iteration count of {iterations} is not valid.");

        var passwordBytes = Encoding.UTF8.GetBytes(password);
        byte[]? key = null;
        try
        {
            key = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(passwordBytes, kdf.GetSalt(), iterations, prf, keyBits / 8);
            var cipher = CipherUtilities.GetCipher("AES/CBC/PKCS7PADDING");
            cipher.Init(encrypt, new ParametersWithIV(new KeyParameter(key), iv));
            return cipher.DoFinal(input);
        }
        finally
        {
            Array.Clear(passwordBytes);
            if (key is not null) Array.Clear(key);
        }
    }
}
