using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace CertConnector.Adapters.Crypto.Pkcs11;

/// <summary>
/// A private key that lives in a PKCS#11 token: only its public half and the token object's handle are here. It stands
/// where a BouncyCastle private key stands (<see cref="CaSigning.Signer"/>, the SCEP envelope, the CertRep), and every
/// operation on it is a C_Sign or C_Decrypt by the token. Never serialized: there is nothing to serialize.
/// </summary>
public sealed class TokenPrivateKey : AsymmetricKeyParameter
{
    internal TokenPrivateKey(Pkcs11Token token, IObjectHandle handle, AsymmetricKeyParameter publicKey, string label, byte[] id) : base(true)
    {
        Token = token;
        Handle = handle;
        PublicKey = publicKey;
        Label = label;
        Id = id;
    }

    internal Pkcs11Token Token { get; }
    internal IObjectHandle Handle { get; }

    /// <summary>The public half (RSA or EC), which decides the signature algorithm.</summary>
    public AsymmetricKeyParameter PublicKey { get; }

    /// <summary>The token object's CKA_LABEL.</summary>
    public string Label { get; }

    /// <summary>The token object's CKA_ID: SHA-1 of the public key (what the certificate's SKI would be by RFC 5280 method 1).</summary>
    public byte[] Id { get; }

    public bool IsRsa => PublicKey is RsaKeyParameters;

    /// <summary>A PKCS#1 v1.5 signature over <paramref name="digestInfo"/> (RSA), or an ECDSA r‖s over a hash (EC), by the token.</summary>
    public byte[] SignRaw(byte[] input) => Token.Sign(this, input);

    /// <summary>RSA decryption by the token (PKCS#1 v1.5, or OAEP with <paramref name="oaepHashOid"/> for hash and MGF1).</summary>
    public byte[] Decrypt(byte[] data, string? oaepHashOid) => Token.Decrypt(this, data, oaepHashOid);

    /// <summary>
    /// The RSA primitive alone (CKM_RSA_X_509), as a BouncyCastle engine: for padding the token does not offer (SoftHSM 2.6
    /// does OAEP with SHA-1 only), BouncyCastle's OAEP decoding runs over it. Null for an EC key.
    /// </summary>
    public IAsymmetricBlockCipher? RawRsaEngine() => PublicKey is RsaKeyParameters rsa ? new RawEngine(this, rsa.Modulus.BitLength) : null;

    private sealed class RawEngine(TokenPrivateKey key, int bits) : IAsymmetricBlockCipher
    {
        public string AlgorithmName => "RSA";

        public void Init(bool forEncryption, ICipherParameters parameters)
        {
            if (forEncryption) throw new InvalidOperationException("A token key's raw engine only decrypts.");
        }

        public int GetInputBlockSize() => (bits + 7) / 8;

        public int GetOutputBlockSize() => (bits - 1) / 8;

        // As BouncyCastle's own RSA engine: the integer's bytes without leading zeros; the padding decoder restores them.
        public byte[] ProcessBlock(byte[] inBuf, int inOff, int inLen) =>
            new Org.BouncyCastle.Math.BigInteger(1, key.Token.Decrypt(key, inBuf.AsSpan(inOff, inLen).ToArray(), "raw")).ToByteArrayUnsigned();
    }

    public override bool Equals(object? obj) => obj is TokenPrivateKey other && ReferenceEquals(Token, other.Token) && Handle.ObjectId == other.Handle.ObjectId;

    public override int GetHashCode() => HashCode.Combine(Token, Handle.ObjectId);

    public override string ToString() => $"PKCS#11 key '{Label}' ({Convert.ToHexStringLower(Id)})";
}
