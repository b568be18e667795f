using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CertConnector.Adapters.Tests.Scep;

using ScepClientType = CertConnector.Adapters.Scep.Client.ScepClient;

/// <summary>A throw-away CA and RA made with BouncyCastle for SCEP tests. Keys are made once per test run (RSA generation is slow).</summary>
public sealed class ScepTestPki
{
    private static readonly Lazy<ScepTestPki> Shared = new(() => new ScepTestPki());
    public static ScepTestPki Instance => Shared.Value;

    private static readonly SecureRandom Random = new();
    private long _serial = 100;

    public AsymmetricCipherKeyPair CaKey { get; } = NewRsaKey();
    public X509Certificate CaCert { get; }
    public AsymmetricCipherKeyPair RaKey { get; } = NewRsaKey();
    public X509Certificate RaCert { get; }
    /// <summary>A second client key, for tests that need two requesters.</summary>
    public AsymmetricCipherKeyPair ClientKey { get; } = NewRsaKey();
    public AsymmetricCipherKeyPair ClientKey2 { get; } = NewRsaKey();

    private ScepTestPki()
    {
        var caName = new X509Name("CN=SCEP Test CA,O=CertConnector Tests");
        CaCert = Issue(caName, CaKey.Public, caName, CaKey.Private, ca: true,
            new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        RaCert = Issue(new X509Name("CN=SCEP Test RA,O=CertConnector Tests"), RaKey.Public, caName, CaKey.Private, ca: false,
            new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment));
    }

    public static AsymmetricCipherKeyPair NewRsaKey(int bits = 2048)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(Random, bits));
        return generator.GenerateKeyPair();
    }

    /// <summary>The self-signed certificate a PKCSReq is signed with (RFC 8894 §2.3).</summary>
    public static X509Certificate SelfSigned(AsymmetricCipherKeyPair key, string subject) => ScepClientType.SelfSigned(key, subject);

    /// <summary>What the CA would do with a CSR: a client certificate for its key and subject.</summary>
    public X509Certificate IssueFromCsr(byte[] csrDer)
    {
        var csr = new Pkcs10CertificationRequest(csrDer);
        var info = csr.GetCertificationRequestInfo();
        return Issue(info.Subject, csr.GetPublicKey(), CaCert.SubjectDN, CaKey.Private, ca: false,
            new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment));
    }

    public X509Certificate Issue(X509Name subject, AsymmetricKeyParameter publicKey, X509Name issuer,
        AsymmetricKeyParameter signingKey, bool ca, KeyUsage keyUsage) =>
        Build(subject, publicKey, issuer, signingKey, BigInteger.ValueOf(Interlocked.Increment(ref _serial)), ca, keyUsage);

    private static X509Certificate Build(X509Name subject, AsymmetricKeyParameter publicKey, X509Name issuer,
        AsymmetricKeyParameter signingKey, BigInteger serial, bool ca, KeyUsage? keyUsage)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(serial);
        gen.SetIssuerDN(issuer);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
        gen.SetNotAfter(DateTime.UtcNow.AddDays(30));
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(ca));
        if (keyUsage != null) gen.AddExtension(X509Extensions.KeyUsage, true, keyUsage);
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signingKey, Random));
    }
}
