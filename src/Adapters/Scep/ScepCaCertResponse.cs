using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Scep;

/// <summary>An HTTP body and its media type.</summary>
public sealed record ScepHttpContent(byte[] Body, string ContentType);

/// <summary>GetCACert and GetNextCACert responses (RFC 8894 §4.2 and §4.7).</summary>
public static class ScepCaCertResponse
{
    public const string CaCertContentType = "application/x-x509-ca-cert";
    public const string CaRaCertContentType = "application/x-x509-ca-ra-cert";
    public const string NextCaCertContentType = "application/x-x509-next-ca-cert";

    /// <summary>
    /// The CA alone as DER when it also decrypts requests; otherwise a certs-only PKCS#7 holding the CA
    /// (and any intermediates in <paramref name="caChain"/>) plus the RA certificate.
    /// </summary>
    public static ScepHttpContent GetCaCert(X509Certificate caCertificate, X509Certificate? raCertificate = null,
        IEnumerable<X509Certificate>? caChain = null)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        var separateRa = raCertificate != null && !raCertificate.Equals(caCertificate);
        var chain = caChain?.ToList() ?? [];
        if (!separateRa && chain.Count == 0) return new ScepHttpContent(caCertificate.GetEncoded(), CaCertContentType);

        // RA first, then the CA it was issued by, then the rest: clients pick the RA by key usage, and
        // those that do not tend to encrypt to every certificate, which the decoder tolerates.
        var certs = new List<X509Certificate>();
        if (separateRa) certs.Add(raCertificate!);
        certs.Add(caCertificate);
        certs.AddRange(chain.Where(c => !c.Equals(caCertificate)));
        return new ScepHttpContent(DegenerateSignedData.Build(certs), CaRaCertContentType);
    }

    /// <summary>
    /// GetNextCACert: RFC 8894 §4.7.1 wants a SignedData signed by the current signing key whose content
    /// is the certs-only PKCS#7 of the rollover CA (and RA) certificates, so the client can trust the new
    /// CA through the old one. Callers pass the current RA (or CA) certificate and key as signer.
    /// </summary>
    public static ScepHttpContent GetNextCaCert(IEnumerable<X509Certificate> nextCertificates,
        X509Certificate signerCertificate, AsymmetricKeyParameter signerKey)
    {
        ArgumentNullException.ThrowIfNull(nextCertificates);
        ArgumentNullException.ThrowIfNull(signerCertificate);
        ArgumentNullException.ThrowIfNull(signerKey);
        var degenerate = DegenerateSignedData.Build(nextCertificates);
        var generator = new CmsSignedDataGenerator();
        // A key in a PKCS#11 token has no value BouncyCastle could sign with: the token signs through a signature factory.
        if (signerKey is Crypto.Pkcs11.TokenPrivateKey token)
            generator.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder().Build(Crypto.Pkcs11.TokenSignatureFactory.For(token), signerCertificate));
        else
            generator.AddSigner(signerKey, signerCertificate, CmsSignedGenerator.DigestSha256);
        generator.AddCertificate(signerCertificate);
        var signed = generator.Generate(new CmsProcessableByteArray(degenerate), encapsulate: true);
        return new ScepHttpContent(signed.GetEncoded(Org.BouncyCastle.Asn1.Asn1Encodable.Der), NextCaCertContentType);
    }
}
