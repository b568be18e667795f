using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcKeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>Builds and signs the certificates of the built-in CA: its root, its RA and end-entity certificates.</summary>
internal static class CertificateProfile
{
    /// <summary>szOID_NTDS_CA_SECURITY_EXT: the KB5014754 strong-mapping extension.</summary>
    public static readonly DerObjectIdentifier SidExtensionOid = new("1.3.6.1.4.1.311.25.2");

    /// <summary>szOID_NTDS_OBJECTSID: the otherName type inside it.</summary>
    public static readonly DerObjectIdentifier SidOtherNameOid = new("1.3.6.1.4.1.311.25.2.1");

    /// <summary>Certificates are back-dated so a device whose clock runs a little slow accepts them at once.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static X509Certificate SelfSignedRoot(X509Name subject, AsymmetricCipherKeyPair keyPair, DateTimeOffset now, int validityYears)
    {
        var generator = Base(subject, subject, SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(keyPair.Public), now - ClockSkew, now.AddYears(validityYears));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        // digitalSignature too: the CA signs its own OCSP responses.
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.KeyCertSign | BcKeyUsage.CrlSign | BcKeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keyPair.Public));
        return generator.Generate(Signer(keyPair.Private));
    }

    public static X509Certificate Ra(X509Name subject, AsymmetricKeyParameter publicKey, X509Certificate ca, AsymmetricKeyParameter caKey,
        DateTimeOffset now, int validityDays)
    {
        var key = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey);
        var generator = Base(ca.SubjectDN, subject, key, now - ClockSkew, Min(now.AddDays(validityDays), ca));
        AddEndEntityBasics(generator, key, ca);
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.DigitalSignature | BcKeyUsage.KeyEncipherment));
        return generator.Generate(Signer(caKey));
    }

    /// <summary>The connector key's certificate: keyEncipherment (and dataEncipherment), so standard tools envelope to it.</summary>
    public static X509Certificate ConnectorKey(X509Name subject, AsymmetricKeyParameter publicKey, X509Certificate ca, AsymmetricKeyParameter caKey,
        DateTimeOffset now, int validityDays)
    {
        var key = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey);
        var generator = Base(ca.SubjectDN, subject, key, now - ClockSkew, Min(now.AddDays(validityDays), ca));
        AddEndEntityBasics(generator, key, ca);
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.KeyEncipherment | BcKeyUsage.DataEncipherment));
        return generator.Generate(Signer(caKey));
    }

    /// <summary>
    /// The delegated OCSP signer (RFC 6960 4.2.2.2): id-kp-OCSPSigning, and id-pkix-ocsp-nocheck so clients do not
    /// ask about the signer itself (it is short-lived and renewed instead).
    /// </summary>
    public static X509Certificate OcspSigner(X509Name subject, AsymmetricKeyParameter publicKey, X509Certificate ca, AsymmetricKeyParameter caKey,
        DateTimeOffset now, int validityDays)
    {
        var key = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey);
        var generator = Base(ca.SubjectDN, subject, key, now - ClockSkew, Min(now.AddDays(validityDays), ca));
        AddEndEntityBasics(generator, key, ca);
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_OCSPSigning));
        generator.AddExtension(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNocheck, false, DerNull.Instance);
        return generator.Generate(Signer(caKey));
    }

    /// <summary>
    /// A cluster member's remoting certificate: TLS client and server, the cluster-member marker (an EKU no template
    /// can put in a device certificate) and the connector's identity as a URI SAN. Hostnames are not in it: members
    /// are recognised by CA, identity and marker, not by the address they connect from.
    /// </summary>
    public static X509Certificate ClusterMember(X509Name subject, SubjectPublicKeyInfo publicKey, string identityUri, X509Certificate ca,
        AsymmetricKeyParameter caKey, DateTimeOffset now, TimeSpan validity)
    {
        var generator = Base(ca.SubjectDN, subject, publicKey, now - ClockSkew, Min(now + validity, ca));
        AddEndEntityBasics(generator, publicKey, ca);
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(new DerObjectIdentifier[]
            { KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth, new(ClusterTlsIdentity.ClusterMemberEku) }));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(Uri(identityUri)));
        return generator.Generate(Signer(caKey));
    }

    /// <summary>The single node's own remoting certificate: self-signed, pinned by thumbprint, never issued by the CA.</summary>
    public static X509Certificate SelfSignedRemoting(X509Name subject, AsymmetricCipherKeyPair keyPair, DateTimeOffset now, int validityDays)
    {
        var key = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(keyPair.Public);
        var generator = Base(subject, subject, key, now - ClockSkew, now.AddDays(validityDays));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        return generator.Generate(Signer(keyPair.Private));
    }

    public static X509Certificate EndEntity(EndEntityRequest request, X509Certificate ca, AsymmetricKeyParameter caKey, PublicationUrls urls)
    {
        var generator = Base(ca.SubjectDN, request.Subject, request.PublicKey, request.NotBefore, Min(request.NotAfter, ca), request.Serial);
        AddEndEntityBasics(generator, request.PublicKey, ca);

        var template = request.Template;
        var keyUsage = PublicKeys.IsEc(request.PublicKey) ? template.EcKeyUsage : template.RsaKeyUsage;
        generator.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(keyUsage));
        if (template.ExtendedKeyUsageOids.Count > 0)
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false,
                new ExtendedKeyUsage(template.ExtendedKeyUsageOids.Select(oid => new DerObjectIdentifier(oid)).ToArray()));

        if (request.SubjectAlternativeNames.Count > 0)
            // RFC 5280 4.2.1.6: critical when the subject is empty.
            generator.AddExtension(X509Extensions.SubjectAlternativeName, request.Subject.GetOidList().Count == 0,
                SubjectAltNames.ToGeneralNames(request.SubjectAlternativeNames));

        if (!string.IsNullOrWhiteSpace(request.OnPremisesSid))
            generator.AddExtension(SidExtensionOid, false, SidExtension(request.OnPremisesSid));

        if (!string.IsNullOrWhiteSpace(urls.Crl))
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint([
                new DistributionPoint(new DistributionPointName(new GeneralNames(Uri(urls.Crl))), null, null)]));

        var access = new List<AccessDescription>();
        if (!string.IsNullOrWhiteSpace(urls.Ocsp)) access.Add(new AccessDescription(AccessDescription.IdADOcsp, Uri(urls.Ocsp)));
        if (!string.IsNullOrWhiteSpace(urls.CaIssuers)) access.Add(new AccessDescription(AccessDescription.IdADCAIssuers, Uri(urls.CaIssuers)));
        if (access.Count > 0)
            generator.AddExtension(X509Extensions.AuthorityInfoAccess, false, new DerSequence(access.ToArray<Asn1Encodable>()));

        return generator.Generate(Signer(caKey));
    }

    /// <summary>
    /// Microsoft's encoding: a GeneralNames holding one otherName of type 1.3.6.1.4.1.311.25.2.1 whose value is the
    /// SID string as an OCTET STRING of ASCII, i.e. SEQUENCE { [0] { OID, [0] { OCTET STRING } } }.
    /// </summary>
    public static GeneralNames SidExtension(string sid)
    {
        var text = sid.Trim();
        if (!text.StartsWith("S-", StringComparison.OrdinalIgnoreCase) || text.Any(c => c > 127 || char.IsWhiteSpace(c)))
            throw ConnectorFailureException.Final("BadOnPremisesSid", $"'{sid}' is not a Windows security identifier (S-1-5-...).");
        return new GeneralNames(new GeneralName(GeneralName.OtherName,
            new OtherName(SidOtherNameOid, new DerOctetString(Encoding.ASCII.GetBytes(text)))));
    }

    private static X509V3CertificateGenerator Base(X509Name issuer, X509Name subject, SubjectPublicKeyInfo publicKey,
        DateTimeOffset notBefore, DateTimeOffset notAfter, Org.BouncyCastle.Math.BigInteger? serial = null)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(serial ?? CertificateIds.NewSerial());
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notAfter.UtcDateTime);
        generator.SetSubjectPublicKeyInfo(publicKey);
        return generator;
    }

    private static void AddEndEntityBasics(X509V3CertificateGenerator generator, SubjectPublicKeyInfo publicKey, X509Certificate ca)
    {
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, CaSigning.AuthorityKeyIdentifier(ca));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
    }

    private static DateTimeOffset Min(DateTimeOffset notAfter, X509Certificate ca)
    {
        var caNotAfter = CertificateIds.Utc(ca.NotAfter);
        return notAfter < caNotAfter ? notAfter : caNotAfter;
    }

    private static GeneralName Uri(string url) => new(GeneralName.UniformResourceIdentifier, url);

    private static ISignatureFactory Signer(AsymmetricKeyParameter key) => CaSigning.Signer(key);
}

/// <summary>Where relying parties find revocation status and the CA certificate; null leaves the extension out.</summary>
internal sealed record PublicationUrls(string? Crl, string? Ocsp, string? CaIssuers);

internal sealed record EndEntityRequest(
    X509Name Subject,
    SubjectPublicKeyInfo PublicKey,
    IReadOnlyList<SubjectAltName> SubjectAlternativeNames,
    CertificateTemplate Template,
    Org.BouncyCastle.Math.BigInteger Serial,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string? OnPremisesSid);
