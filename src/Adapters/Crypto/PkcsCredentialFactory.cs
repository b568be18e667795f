using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// The PKCS feature's key generation and packaging. The private key exists only inside the
/// <see cref="PendingCredential"/> and, briefly, inside the encrypted PKCS#12 being built; it is never written out.
/// Keys come from <paramref name="keyPool"/> when it has one of the spec, otherwise they are generated here.
/// </summary>
public sealed class PkcsCredentialFactory(TimeProvider? timeProvider = null, KeyPool? keyPool = null) : IPkcsCredentialFactory
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    // Device certificates that passed DeviceCertificate.Validate, by their DER. One request's certificate is checked three
    // times (the admin API on queueing, the request actor before issuing, Seal); each full check parses the key, and for
    // RSA BouncyCastle re-runs Miller-Rabin rounds on the modulus (~20 ms for 2048 bits). Key size and key usage do not
    // change, so a known certificate only needs its validity period checked again. Bounded; cleared when full.
    private const int MaxKnownDevices = 4096;
    private readonly ConcurrentDictionary<string, X509Certificate> _validDevices = new(StringComparer.Ordinal);

    public void ValidateDeviceCertificate(byte[] deviceCertificateDer, DateTimeOffset now) => ValidDevice(deviceCertificateDer, now);

    private X509Certificate ValidDevice(byte[] der, DateTimeOffset now)
    {
        if (der is { Length: > 0 } && _validDevices.TryGetValue(Key(der), out var known)
            && now.UtcDateTime >= known.NotBefore && now.UtcDateTime <= known.NotAfter)
            return known;
        var certificate = DeviceCertificate.Validate(der, now); // throws for a bad one, with the reason
        if (_validDevices.Count >= MaxKnownDevices) _validDevices.Clear();
        _validDevices[Key(der)] = certificate;
        return certificate;

        static string Key(byte[] der) => Convert.ToBase64String(SHA256.HashData(der));
    }

    public PendingCredential CreateKeyAndCsr(KeySpec keySpec, string subjectName, IReadOnlyList<SubjectAltName> subjectAlternativeNames)
    {
        // Validate the inputs before spending time on key generation.
        var subject = DistinguishedName.Parse(subjectName);
        _ = SubjectAltNames.ToGeneralNames(subjectAlternativeNames);
        var keyPair = keyPool?.TryTake(keySpec) ?? KeyGeneration.Generate(keySpec);
        return new Pending(keyPair, CertificationRequests.Create(keyPair, subject, subjectAlternativeNames));
    }

    public SealedCredential Seal(PendingCredential pending, IssuedCertificate certificate, byte[] deviceCertificateDer)
    {
        if (pending is not Pending mine) throw new ArgumentException("The pending credential was not created by this factory.", nameof(pending));
        var keyPair = mine.KeyPair ?? throw new ObjectDisposedException(nameof(PendingCredential));
        var device = ValidDevice(deviceCertificateDer, _time.GetUtcNow());

        var parsed = new X509Certificate(certificate.CertificateDer);
        if (!CarriesPublicKey(parsed, keyPair.Public))
            throw ConnectorFailureException.Final("CertificateKeyMismatch", "The issued certificate does not carry the public key of the generated key pair.");
        X509Certificate issued = new KnownKeyCertificate(parsed.CertificateStructure, keyPair.Public);
        var chain = certificate.IssuerChainDer.Select(der => new X509Certificate(der)).ToList();

        var password = Passwords.Generate();
        byte[]? pfx = null;
        byte[]? passwordBytes = null;
        try
        {
            pfx = Pkcs12Builder.Build(keyPair.Private, issued, chain, password, FriendlyName(issued));
            passwordBytes = Encoding.UTF8.GetBytes(password);
            return new SealedCredential(
                CmsEnvelope.Encrypt(pfx, device),
                CmsEnvelope.Encrypt(passwordBytes, device));
        }
        finally
        {
            Array.Clear(password);
            if (pfx is not null) Array.Clear(pfx);
            if (passwordBytes is not null) Array.Clear(passwordBytes);
        }
    }

    /// <summary>
    /// Whether the certificate carries <paramref name="publicKey"/>. For RSA the modulus and exponent are compared as read
    /// from the certificate: <see cref="X509Certificate.GetPublicKey"/> would build RsaKeyParameters, whose constructor
    /// re-runs Miller-Rabin rounds on the modulus (tens of milliseconds for 2048 bits, per request) to check a key we
    /// generated ourselves.
    /// </summary>
    internal static bool CarriesPublicKey(X509Certificate certificate, AsymmetricKeyParameter publicKey)
    {
        var info = certificate.CertificateStructure.SubjectPublicKeyInfo;
        if (publicKey is RsaKeyParameters rsa && info.Algorithm.Algorithm.Equals(PkcsObjectIdentifiers.RsaEncryption))
        {
            var structure = RsaPublicKeyStructure.GetInstance(info.ParsePublicKey());
            return structure.Modulus.Equals(rsa.Modulus) && structure.PublicExponent.Equals(rsa.Exponent);
        }
        return certificate.GetPublicKey().Equals(publicKey);
    }

    /// <summary>A certificate whose public key is already known to be <paramref name="publicKey"/> (checked with
    /// <see cref="CarriesPublicKey"/>), so building the PKCS#12 (its localKeyID) does not parse and re-validate it.</summary>
    private sealed class KnownKeyCertificate(X509CertificateStructure structure, AsymmetricKeyParameter publicKey) : X509Certificate(structure)
    {
        public override AsymmetricKeyParameter GetPublicKey() => publicKey;
    }

    private static string FriendlyName(X509Certificate certificate)
    {
        var cn = certificate.SubjectDN.GetValueList(X509Name.CN).FirstOrDefault();
        return string.IsNullOrWhiteSpace(cn) ? "CertConnector" : cn;
    }

    /// <summary>BouncyCastle keys are immutable BigIntegers and cannot be wiped; dropping the reference is what we can do.</summary>
    private sealed class Pending(AsymmetricCipherKeyPair keyPair, byte[] csrDer) : PendingCredential
    {
        public AsymmetricCipherKeyPair? KeyPair { get; private set; } = keyPair;
        public override byte[] CsrDer { get; } = csrDer;
        public override void Dispose() => KeyPair = null;
    }
}
