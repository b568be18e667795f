using CertConnector.Actors.Common;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;

namespace CertConnector.Adapters.Crypto;

/// <summary>PKCS#10 requests: building one signed by a new key, and reading one a CA was handed.</summary>
public static class CertificationRequests
{
    /// <summary>A DER CSR signed with <paramref name="keyPair"/>; SANs (if any) go into an extensionRequest, a challenge (if any)
    /// into the challengePassword attribute (RFC 2985; RFC 8894 §3.3.1), which the CSR's signature covers.</summary>
    public static byte[] Create(AsymmetricCipherKeyPair keyPair, X509Name subject, IReadOnlyList<SubjectAltName> subjectAlternativeNames,
        string? challengePassword = null)
    {
        var attributes = new Asn1EncodableVector();
        if (subjectAlternativeNames.Count > 0)
        {
            var extensions = new X509ExtensionsGenerator();
            // RFC 5280: the SAN extension is critical when the subject is empty; ours never is.
            extensions.AddExtension(X509Extensions.SubjectAlternativeName, false, SubjectAltNames.ToGeneralNames(subjectAlternativeNames));
            attributes.Add(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(extensions.Generate())));
        }
        if (challengePassword is not null)
        {
            // PrintableString where it can be (what NDES and most SCEP servers expect), UTF8String otherwise.
            Asn1Encodable value = DerPrintableString.IsPrintableString(challengePassword) ? new DerPrintableString(challengePassword) : new DerUtf8String(challengePassword);
            attributes.Add(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtChallengePassword, new DerSet(value)));
        }

        // RSA through .NET (OpenSSL): BouncyCastle's managed RSA took ~12 ms per CSR.
        // RFC 2986 makes the attributes field mandatory (an empty set when there are none): strict parsers (Go's, so micromdm's
        // scepserver, and .NET's) refuse a CSR without it.
        return new Pkcs10CertificationRequest(CaSigning.Signer(keyPair.Private), subject, keyPair.Public, new DerSet(attributes)).GetDerEncoded();
    }

    /// <summary>Parses and verifies the self-signature; throws a final <c>BadCsr</c> failure otherwise.</summary>
    public static Pkcs10CertificationRequest ParseAndVerify(byte[] der)
    {
        Pkcs10CertificationRequest csr;
        try
        {
            csr = new Pkcs10CertificationRequest(der);
            _ = csr.GetCertificationRequestInfo().SubjectPublicKeyInfo.Algorithm;
        }
        catch (Exception e) when (e is not ConnectorFailureException)
        {
            throw ConnectorFailureException.Final("BadCsr", $"The certificate request is not a valid DER PKCS#10 request: {e.Message}", e);
        }

        bool valid;
        try
        {
            valid = SignatureIsValid(csr);
        }
        catch (Exception e)
        {
            throw ConnectorFailureException.Final("BadCsr", $"The certificate request signature cannot be checked: {e.Message}", e);
        }
        if (!valid) throw ConnectorFailureException.Final("BadCsr", "The certificate request signature does not verify against its public key.");
        return csr;
    }

    /// <summary>
    /// Checks the self-signature (RSA in .NET, see <see cref="PublicKeys"/>). Throws when the algorithm or the key
    /// cannot be used at all.
    /// </summary>
    public static bool SignatureIsValid(Pkcs10CertificationRequest csr) =>
        PublicKeys.Verify(csr.GetCertificationRequestInfo().SubjectPublicKeyInfo, csr.SignatureAlgorithm,
            csr.GetCertificationRequestInfo().GetDerEncoded(), csr.GetSignatureOctets());

    /// <summary>The SANs in the request's extensionRequest attribute, or an empty list.</summary>
    public static IReadOnlyList<SubjectAltName> RequestedSubjectAltNames(Pkcs10CertificationRequest csr) => RequestedSubjectAltNames(csr, out _);

    /// <param name="unreadable">how many requested names are of a kind the connector does not read (and so cannot compare).</param>
    public static IReadOnlyList<SubjectAltName> RequestedSubjectAltNames(Pkcs10CertificationRequest csr, out int unreadable)
    {
        var extension = csr.GetRequestedExtensions()?.GetExtension(X509Extensions.SubjectAlternativeName);
        var names = extension is null ? null : GeneralNames.GetInstance(extension.GetParsedValue());
        unreadable = SubjectAltNames.Unreadable(names);
        return SubjectAltNames.FromGeneralNames(names);
    }

    /// <summary>SHA-256 of the request's DER SubjectPublicKeyInfo, lower-case hex: names the key without keeping the request.</summary>
    public static string PublicKeySha256(Pkcs10CertificationRequest csr) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            csr.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded()));
}
