using CertConnector.Actors.Common;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>Checks that a device's encryption certificate is one we can envelope to.</summary>
public static class DeviceCertificate
{
    private const string Code = "BadDeviceCertificate";

    // X.509 KeyUsage bit numbers as BouncyCastle's GetKeyUsage() indexes them.
    private const int KeyEncipherment = 2;
    private const int KeyAgreement = 4;

    /// <summary>Returns the parsed certificate or throws a final <c>BadDeviceCertificate</c> failure.</summary>
    public static X509Certificate Validate(byte[]? der, DateTimeOffset now)
    {
        if (der is null || der.Length == 0) throw Fail("The device certificate is missing.");

        X509Certificate certificate;
        try
        {
            // FromByteArray rejects trailing bytes, so PEM text and concatenations fail here too.
            certificate = new X509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der)));
        }
        catch (Exception e)
        {
            throw Fail($"The device certificate is not a DER-encoded X.509 certificate ({e.Message}).", e);
        }

        if (now.UtcDateTime < certificate.NotBefore)
            throw Fail($"The device certificate is not valid until {certificate.NotBefore:u}.");
        if (now.UtcDateTime > certificate.NotAfter)
            throw Fail($"The device certificate expired on {certificate.NotAfter:u}.");

        var keyUsage = certificate.GetKeyUsage();
        var key = certificate.SubjectPublicKeyInfo;
        if (PublicKeys.IsRsa(key))
        {
            var bits = PublicKeys.RsaBits(key);
            if (bits < 2048)
                throw Fail($"The device certificate has a {bits}-bit RSA key; at least 2048 bits are required.");
            if (keyUsage is not null && !keyUsage[KeyEncipherment])
                throw Fail("The device certificate's RSA key usage does not allow keyEncipherment.");
        }
        else if (PublicKeys.IsEc(key))
        {
            if (!IsSupportedCurve((ECPublicKeyParameters)PublicKeyFactory.CreateKey(key)))
                throw Fail("The device certificate's EC key is not on P-256 or P-384.");
            if (keyUsage is not null && !keyUsage[KeyAgreement])
                throw Fail("The device certificate's EC key usage does not allow keyAgreement.");
        }
        else
        {
            throw Fail($"The device certificate's key type ({key.Algorithm.Algorithm.Id}) cannot be encrypted to; RSA or EC P-256/P-384 is required.");
        }
        return certificate;
    }

    private static bool IsSupportedCurve(ECPublicKeyParameters key)
    {
        if (key.PublicKeyParamSet is { } oid) return oid.Equals(SecObjectIdentifiers.SecP256r1) || oid.Equals(SecObjectIdentifiers.SecP384r1);
        // Explicit parameters: accept only if they are exactly one of the two named curves.
        return new[] { SecObjectIdentifiers.SecP256r1, SecObjectIdentifiers.SecP384r1 }
            .Select(Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetByOid)
            .Any(curve => curve.Curve.Equals(key.Parameters.Curve) && curve.G.Equals(key.Parameters.G));
    }

    private static ConnectorFailureException Fail(string message, Exception? inner = null) =>
        ConnectorFailureException.Final(Code, message, inner);
}
