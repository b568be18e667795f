using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Utilities;

namespace CertConnector.Adapters.Persistence;

/// <summary>
/// The AES-256-GCM key that seals secret-bearing journal events (<see cref="CertConnector.Actors.Common.IHoldsSecret"/>).
/// It is derived, never stored: HKDF-SHA256 over the CA private key, the one secret every instance of a
/// cluster already shares, so every instance can read every other instance's events.
/// </summary>
public sealed class JournalSealingKey
{
    /// <summary>HKDF info: a new derivation (or a new use of the CA key) gets a new string, never this one.</summary>
    public const string DerivationInfo = "certconnector journal sealing v1";

    private const byte FormatVersion = 1;
    private const int KeyIdLength = 8, NonceLength = 12, TagLength = 16;
    private const int HeaderLength = 1 + KeyIdLength + NonceLength + TagLength;

    private readonly byte[] _key;
    private readonly byte[] _keyId;

    public JournalSealingKey(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("A journal sealing key is 32 bytes (AES-256).", nameof(key));
        _key = key.ToArray();
        // Names the key in headers and errors without revealing it; HKDF output makes a plain hash safe here.
        _keyId = SHA256.HashData(_key)[..KeyIdLength];
    }

    /// <summary>Hex of the first bytes of SHA-256(key): what a sealed payload records and errors name.</summary>
    public string KeyId => Convert.ToHexStringLower(_keyId);

    /// <summary>The key for this CA: the same CA key gives the same sealing key on every instance, with any
    /// library version (known-answer tests computed with OpenSSL pin it).</summary>
    public static JournalSealingKey DeriveFrom(AsymmetricKeyParameter caPrivateKey)
    {
        // A CA key in a PKCS#11 token has no value to derive from: the token's own HMAC secret, created beside the CA key and
        // shared by every instance that uses the token, keys an HMAC of the same derivation string instead.
        if (caPrivateKey is Crypto.Pkcs11.TokenPrivateKey token)
            return new JournalSealingKey(token.Token.Hmac(Crypto.Pkcs11.Pkcs11Token.SealingSecretLabel, Encoding.UTF8.GetBytes(DerivationInfo)));
        if (!caPrivateKey.IsPrivate) throw new ArgumentException("The journal sealing key is derived from the CA's private key.", nameof(caPrivateKey));
        var material = KeyMaterial(caPrivateKey);
        try
        {
            return new JournalSealingKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, salt: [], info: Encoding.UTF8.GetBytes(DerivationInfo)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>The key as numbers, not as one library's encoding of them. The PKCS#8 DER of an RSA key is fixed
    /// by its integers, but EC PKCS#8 differs between libraries (BouncyCastle and OpenSSL disagree on the optional
    /// fields), so an EC key contributes its private scalar, at the curve order's length.</summary>
    private static byte[] KeyMaterial(AsymmetricKeyParameter key) => key is ECPrivateKeyParameters ec
        ? BigIntegers.AsUnsignedByteArray((ec.Parameters.N.BitLength + 7) / 8, ec.D)
        : PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();

    /// <summary>version ‖ key ID ‖ nonce ‖ tag ‖ ciphertext. The header and the manifest are authenticated, so
    /// a payload cannot be moved under another type's manifest or have its header edited unnoticed.</summary>
    public byte[] Seal(byte[] plaintext, string manifest)
    {
        var sealedPayload = new byte[HeaderLength + plaintext.Length];
        sealedPayload[0] = FormatVersion;
        _keyId.CopyTo(sealedPayload, 1);
        var nonce = sealedPayload.AsSpan(1 + KeyIdLength, NonceLength);
        RandomNumberGenerator.Fill(nonce); // 96-bit random nonces: safe far beyond any journal's event count under one key
        using var aes = new AesGcm(_key, TagLength);
        aes.Encrypt(nonce, plaintext, sealedPayload.AsSpan(HeaderLength), sealedPayload.AsSpan(HeaderLength - TagLength, TagLength),
            AssociatedData(sealedPayload, manifest));
        return sealedPayload;
    }

    /// <summary>The plaintext, or a <see cref="SerializationException"/> that says why not: never garbage.</summary>
    public byte[] Open(byte[] sealedPayload, string manifest)
    {
        if (sealedPayload.Length < HeaderLength || sealedPayload[0] != FormatVersion)
            throw new SerializationException($"Sealed payload for manifest '{manifest}' is truncated or has an unknown format version.");
        var keyId = Convert.ToHexStringLower(sealedPayload.AsSpan(1, KeyIdLength));
        if (keyId != KeyId)
            throw new SerializationException($"Payload for manifest '{manifest}' was sealed under journal key {keyId}, but this connector's key is " +
                                             $"{KeyId}: the CA key it is derived from has changed since the event was written.");
        var plaintext = new byte[sealedPayload.Length - HeaderLength];
        try
        {
            using var aes = new AesGcm(_key, TagLength);
            aes.Decrypt(sealedPayload.AsSpan(1 + KeyIdLength, NonceLength), sealedPayload.AsSpan(HeaderLength),
                sealedPayload.AsSpan(HeaderLength - TagLength, TagLength), plaintext, AssociatedData(sealedPayload, manifest));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new SerializationException($"Sealed payload for manifest '{manifest}' (journal key {keyId}) failed authentication: corrupted or altered.", e);
        }
        return plaintext;
    }

    private static byte[] AssociatedData(byte[] sealedPayload, string manifest) =>
        [.. sealedPayload.AsSpan(0, 1 + KeyIdLength), .. Encoding.UTF8.GetBytes(manifest)];
}
