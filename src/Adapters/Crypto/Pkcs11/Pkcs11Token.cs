using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CertConnector.Actors.Common;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto.Pkcs11;

/// <summary>
/// One logged-in PKCS#11 token (an HSM partition, a SoftHSM token): generates keys in it as sensitive, non-extractable
/// token objects, finds them again by label and CKA_ID (SHA-1 of the public key, so the certificate kept in the
/// database or data directory names its key), and signs and decrypts with them. Instances of a cluster that open the
/// same token use the same objects. Sessions are pooled: one operation per session at a time, many in parallel.
/// </summary>
public sealed class Pkcs11Token : IDisposable
{
    /// <summary>The HMAC secret the journal sealing key is derived from when the CA key is in the token.</summary>
    public const string SealingSecretLabel = "certconnector-journal-sealing";

    private static readonly Pkcs11InteropFactories Factories = new();

    static Pkcs11Token()
    {
        // Pkcs11Interop loads its modules through dlopen in "libdl"; glibc 2.34 and later ship only libdl.so.2 (dlopen is in
        // libc itself), so without this the name does not resolve and no module can be loaded.
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, assembly, path) =>
            name == "libdl" && OperatingSystem.IsLinux() && (NativeLibrary.TryLoad("libdl.so.2", assembly, path, out var handle)
                                                             || NativeLibrary.TryLoad("libc.so.6", assembly, path, out handle))
                ? handle
                : IntPtr.Zero);
    }

    private readonly IPkcs11Library _library;
    private readonly ISlot _slot;
    private readonly ISession _login; // open for the token's lifetime: the login belongs to the application while a session is open
    private readonly ConcurrentBag<ISession> _idle = [];

    private Pkcs11Token(IPkcs11Library library, ISlot slot, ISession login, string label)
    {
        _library = library;
        _slot = slot;
        _login = login;
        Label = label;
    }

    /// <summary>The token's label (CKA_LABEL of the token, as <c>softhsm2-util --init-token --label</c> set it).</summary>
    public string Label { get; }

    /// <summary>Loads the module, finds the token by its label and logs in as the user; every failure is one sentence for the operator.</summary>
    public static Pkcs11Token Open(string module, string tokenLabel, string pin)
    {
        if (!File.Exists(module))
            throw new InvalidOperationException($"The PKCS#11 module '{module}' (Connector:Ca:Pkcs11:Module) does not exist.");
        IPkcs11Library library;
        try
        {
            library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, module, AppType.MultiThreaded);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The PKCS#11 module '{module}' cannot be loaded: {e.Message.Split('\n')[0].Trim()}", e);
        }
        try
        {
            var slots = library.GetSlotList(SlotsType.WithTokenPresent);
            var labels = slots.Select(s => s.GetTokenInfo().Label.Trim()).ToList(); // an uninitialised slot shows an empty label
            var index = labels.IndexOf(tokenLabel);
            if (index < 0)
                throw new InvalidOperationException($"The PKCS#11 module '{module}' has no token labelled '{tokenLabel}' (Connector:Ca:Pkcs11:TokenLabel); " +
                                                    (labels.All(l => l.Length == 0) ? "it shows no initialised token." : $"its tokens: {string.Join(", ", labels.Where(l => l.Length > 0).Select(l => $"'{l}'"))}."));
            var slot = slots[index];
            var session = slot.OpenSession(SessionType.ReadWrite);
            try
            {
                session.Login(CKU.CKU_USER, pin);
            }
            catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
            {
            }
            catch (Pkcs11Exception e)
            {
                session.Dispose();
                throw new InvalidOperationException(e.RV switch
                {
                    CKR.CKR_PIN_INCORRECT => $"The PIN of PKCS#11 token '{tokenLabel}' is wrong (CKR_PIN_INCORRECT); check Connector:Ca:Pkcs11:Pin or PinFile.",
                    CKR.CKR_PIN_LOCKED => $"The PIN of PKCS#11 token '{tokenLabel}' is locked (CKR_PIN_LOCKED): the token's security officer must unlock it.",
                    CKR.CKR_USER_PIN_NOT_INITIALIZED => $"PKCS#11 token '{tokenLabel}' has no user PIN yet: initialize it (softhsm2-util --init-token ... --pin).",
                    _ => $"Logging in to PKCS#11 token '{tokenLabel}' failed: {e.RV}.",
                }, e);
            }
            return new Pkcs11Token(library, slot, session, tokenLabel);
        }
        catch
        {
            library.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Generates a key pair in the token: the private key a token object that is private, sensitive and never
    /// extractable, signing (and, for <paramref name="decrypt"/>, decrypting); the public key a token object beside it.
    /// Both carry <paramref name="label"/> and the CKA_ID of the public key.
    /// </summary>
    public AsymmetricCipherKeyPair Generate(string label, KeySpec spec, bool decrypt = false) => Run(session =>
    {
        var a = session.Factories.ObjectAttributeFactory;
        List<IObjectAttribute> publicTemplate =
        [
            a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, false), a.Create(CKA.CKA_LABEL, label), a.Create(CKA.CKA_VERIFY, true),
            a.Create(CKA.CKA_WRAP, false),
        ];
        List<IObjectAttribute> privateTemplate =
        [
            a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, true), a.Create(CKA.CKA_LABEL, label), a.Create(CKA.CKA_SENSITIVE, true),
            a.Create(CKA.CKA_EXTRACTABLE, false), a.Create(CKA.CKA_SIGN, true), a.Create(CKA.CKA_DECRYPT, decrypt),
            a.Create(CKA.CKA_UNWRAP, false), a.Create(CKA.CKA_DERIVE, false), // nothing but what the credential is for
        ];
        CKM mechanism;
        if (spec.Algorithm == KeyAlgorithm.Rsa)
        {
            mechanism = CKM.CKM_RSA_PKCS_KEY_PAIR_GEN;
            publicTemplate.Add(a.Create(CKA.CKA_MODULUS_BITS, (ulong)spec.Size));
            publicTemplate.Add(a.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 }));
            publicTemplate.Add(a.Create(CKA.CKA_ENCRYPT, decrypt));
        }
        else
        {
            if (decrypt) throw new ArgumentException("Only RSA token keys decrypt.", nameof(decrypt));
            mechanism = CKM.CKM_EC_KEY_PAIR_GEN;
            publicTemplate.Add(a.Create(CKA.CKA_EC_PARAMS, KeyGeneration.CurveOid(spec).GetEncoded(Asn1Encodable.Der)));
        }
        session.GenerateKeyPair(session.Factories.MechanismFactory.Create(mechanism), publicTemplate, privateTemplate, out var publicHandle, out var privateHandle);
        var publicKey = ReadPublicKey(session, publicHandle, spec.Algorithm == KeyAlgorithm.Rsa);
        var id = IdOf(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey));
        session.SetAttributeValue(publicHandle, [a.Create(CKA.CKA_ID, id)]);
        session.SetAttributeValue(privateHandle, [a.Create(CKA.CKA_ID, id)]);
        return new AsymmetricCipherKeyPair(publicKey, new TokenPrivateKey(this, privateHandle, publicKey, label, id));
    });

    /// <summary>
    /// Copies a software key (an imported CA) into the token as a private, sensitive, never extractable token object
    /// labelled <paramref name="label"/>, with the CKA_ID of <paramref name="certificate"/>'s public key. The caller then
    /// forgets the software copy.
    /// </summary>
    public TokenPrivateKey Import(string label, AsymmetricKeyParameter privateKey, X509Certificate certificate) => Run(session =>
    {
        var a = session.Factories.ObjectAttributeFactory;
        var id = IdOf(certificate.SubjectPublicKeyInfo);
        List<IObjectAttribute> template =
        [
            a.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, true), a.Create(CKA.CKA_LABEL, label),
            a.Create(CKA.CKA_ID, id), a.Create(CKA.CKA_SENSITIVE, true), a.Create(CKA.CKA_EXTRACTABLE, false), a.Create(CKA.CKA_SIGN, true),
            a.Create(CKA.CKA_DECRYPT, false), a.Create(CKA.CKA_UNWRAP, false), a.Create(CKA.CKA_DERIVE, false),
        ];
        switch (privateKey)
        {
            case RsaPrivateCrtKeyParameters rsa:
                template.AddRange(
                [
                    a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA), a.Create(CKA.CKA_MODULUS, rsa.Modulus.ToByteArrayUnsigned()),
                    a.Create(CKA.CKA_PUBLIC_EXPONENT, rsa.PublicExponent.ToByteArrayUnsigned()), a.Create(CKA.CKA_PRIVATE_EXPONENT, rsa.Exponent.ToByteArrayUnsigned()),
                    a.Create(CKA.CKA_PRIME_1, rsa.P.ToByteArrayUnsigned()), a.Create(CKA.CKA_PRIME_2, rsa.Q.ToByteArrayUnsigned()),
                    a.Create(CKA.CKA_EXPONENT_1, rsa.DP.ToByteArrayUnsigned()), a.Create(CKA.CKA_EXPONENT_2, rsa.DQ.ToByteArrayUnsigned()),
                    a.Create(CKA.CKA_COEFFICIENT, rsa.QInv.ToByteArrayUnsigned()),
                ]);
                break;
            case ECPrivateKeyParameters ec:
                var curve = certificate.SubjectPublicKeyInfo.Algorithm.Parameters as DerObjectIdentifier
                            ?? throw new InvalidOperationException("Only EC keys on a named curve can be imported into the token.");
                template.AddRange(
                [
                    a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_EC), a.Create(CKA.CKA_EC_PARAMS, curve.GetEncoded(Asn1Encodable.Der)),
                    a.Create(CKA.CKA_VALUE, Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray((ec.Parameters.N.BitLength + 7) / 8, ec.D)),
                ]);
                break;
            default:
                throw new InvalidOperationException($"A {privateKey.GetType().Name} cannot be imported into the token (RSA or EC only).");
        }
        var handle = session.CreateObject(template);
        return new TokenPrivateKey(this, handle, certificate.GetPublicKey(), label, id);
    });

    /// <summary>The private key of <paramref name="certificate"/> in this token (found by its CKA_ID), or null when the token has none.</summary>
    public TokenPrivateKey? Find(string label, X509Certificate certificate) => Run(session =>
    {
        var a = session.Factories.ObjectAttributeFactory;
        var id = IdOf(certificate.SubjectPublicKeyInfo);
        var found = session.FindAllObjects([a.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), a.Create(CKA.CKA_ID, id)]);
        return found.Count == 0 ? null : new TokenPrivateKey(this, found[0], certificate.GetPublicKey(), label, id);
    });

    /// <summary>Creates the HMAC secret <paramref name="label"/> (32 random bytes made by the token, never extractable) unless it exists.</summary>
    public void EnsureSecret(string label) => Run(session =>
    {
        var a = session.Factories.ObjectAttributeFactory;
        if (FindSecret(session, label) is not null) return 0;
        session.GenerateKey(session.Factories.MechanismFactory.Create(CKM.CKM_GENERIC_SECRET_KEY_GEN),
        [
            a.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET), a.Create(CKA.CKA_VALUE_LEN, 32UL),
            a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, true), a.Create(CKA.CKA_SENSITIVE, true), a.Create(CKA.CKA_EXTRACTABLE, false),
            a.Create(CKA.CKA_SIGN, true), a.Create(CKA.CKA_VERIFY, false), a.Create(CKA.CKA_ENCRYPT, false), a.Create(CKA.CKA_DECRYPT, false),
            a.Create(CKA.CKA_WRAP, false), a.Create(CKA.CKA_UNWRAP, false), a.Create(CKA.CKA_DERIVE, false), a.Create(CKA.CKA_LABEL, label),
        ]);
        return 0;
    });

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under the token secret <paramref name="label"/>: the same on every instance using the token.</summary>
    public byte[] Hmac(string label, byte[] data) => Run(session =>
    {
        var secret = FindSecret(session, label)
                     ?? throw new InvalidOperationException($"PKCS#11 token '{Label}' has no secret '{label}'; the CA's first start creates it.");
        return session.Sign(session.Factories.MechanismFactory.Create(CKM.CKM_SHA256_HMAC), secret, data);
    });

    internal byte[] Sign(TokenPrivateKey key, byte[] input) => Run(session =>
        session.Sign(session.Factories.MechanismFactory.Create(key.IsRsa ? CKM.CKM_RSA_PKCS : CKM.CKM_ECDSA), key.Handle, input));

    internal byte[] Decrypt(TokenPrivateKey key, byte[] data, string? oaepHashOid) => Run(session =>
    {
        var mechanisms = session.Factories.MechanismFactory;
        if (oaepHashOid is "raw") return session.Decrypt(mechanisms.Create(CKM.CKM_RSA_X_509), key.Handle, data);
        if (oaepHashOid is null) return session.Decrypt(mechanisms.Create(CKM.CKM_RSA_PKCS), key.Handle, data);
        var (hash, mgf) = OaepMechanisms(oaepHashOid);
        var parameters = session.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)hash, (ulong)mgf, 1UL /* CKZ_DATA_SPECIFIED */, null);
        return session.Decrypt(mechanisms.Create(CKM.CKM_RSA_PKCS_OAEP, parameters), key.Handle, data);
    });

    /// <summary>CKA_ID of a key: SHA-1 of the subjectPublicKey bits, as RFC 5280's first SKI method and most HSM tools do.</summary>
    public static byte[] IdOf(SubjectPublicKeyInfo spki) => SHA1.HashData(spki.PublicKey.GetBytes());

    public void Dispose()
    {
        while (_idle.TryTake(out var session)) session.Dispose();
        _login.Dispose();
        _library.Dispose();
    }

    private T Run<T>(Func<ISession, T> operation)
    {
        var session = _idle.TryTake(out var idle) ? idle : _slot.OpenSession(SessionType.ReadWrite);
        try
        {
            var result = operation(session);
            _idle.Add(session);
            return result;
        }
        catch (Pkcs11Exception e)
        {
            // A session that saw an error may be in any state (an operation still active): it is closed, not reused.
            session.Dispose();
            throw new CryptographicException($"PKCS#11 token '{Label}': {e.Method} failed with {e.RV}.", e);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static IObjectHandle? FindSecret(ISession session, string label)
    {
        var a = session.Factories.ObjectAttributeFactory;
        var found = session.FindAllObjects([a.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), a.Create(CKA.CKA_LABEL, label)]);
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new InvalidOperationException($"PKCS#11 token has {found.Count} secrets labelled '{label}'; exactly one is expected."),
        };
    }

    private static AsymmetricKeyParameter ReadPublicKey(ISession session, IObjectHandle handle, bool rsa)
    {
        if (rsa)
        {
            var values = session.GetAttributeValue(handle, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
            return new RsaKeyParameters(false, new BigInteger(1, values[0].GetValueAsByteArray()), new BigInteger(1, values[1].GetValueAsByteArray()));
        }
        var ec = session.GetAttributeValue(handle, [CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT]);
        var curve = DerObjectIdentifier.GetInstance(ec[0].GetValueAsByteArray());
        var x9 = ECNamedCurveTable.GetByOid(curve) ?? throw new InvalidOperationException($"The token returned an unknown curve {curve}.");
        // CKA_EC_POINT is the DER OCTET STRING of the point (PKCS#11 2.40); some modules return the bare uncompressed point.
        var raw = ec[1].GetValueAsByteArray();
        var bare = 2 * ((x9.Curve.FieldSize + 7) / 8) + 1;
        var point = raw.Length == bare ? raw : Asn1OctetString.GetInstance(raw).GetOctets();
        return new ECPublicKeyParameters("EC", x9.Curve.DecodePoint(point), curve);
    }

    private static (CKM Hash, CKG Mgf) OaepMechanisms(string hashOid) => hashOid switch
    {
        "1.3.14.3.2.26" => (CKM.CKM_SHA_1, CKG.CKG_MGF1_SHA1),
        "2.16.840.1.101.3.4.2.4" => (CKM.CKM_SHA224, CKG.CKG_MGF1_SHA224),
        "2.16.840.1.101.3.4.2.1" => (CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256),
        "2.16.840.1.101.3.4.2.2" => (CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384),
        "2.16.840.1.101.3.4.2.3" => (CKM.CKM_SHA512, CKG.CKG_MGF1_SHA512),
        _ => throw new CryptographicException($"OAEP with hash {hashOid} is not supported by the token path."),
    };
}
