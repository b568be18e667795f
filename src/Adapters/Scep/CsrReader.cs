using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Pkcs;
using CertConnector.Actors.Scep;

namespace CertConnector.Adapters.Scep;

/// <summary>Reads and checks the PKCS#10 request inside a PKCSReq/RenewalReq.</summary>
internal static class CsrReader
{
    public static Pkcs10CertificationRequest Read(byte[] der)
    {
        Pkcs10CertificationRequest csr;
        try
        {
            csr = new Pkcs10CertificationRequest(der);
            _ = csr.GetCertificationRequestInfo().SubjectPublicKeyInfo.Algorithm;
        }
        catch (Exception e)
        {
            throw new ScepDecodeException(ScepFailInfo.BadRequest, "envelope content is not a PKCS#10 request", e);
        }
        ScepMessageLimits.CheckCsrKey(csr.GetCertificationRequestInfo().SubjectPublicKeyInfo);
        if (PublicKeys.IsRsa(csr.GetCertificationRequestInfo().SubjectPublicKeyInfo))
            ScepMessageLimits.CheckRsaSignatureAlgorithm(csr.SignatureAlgorithm, "PKCS#10 request");

        bool valid;
        try
        {
            valid = CertificationRequests.SignatureIsValid(csr);
        }
        catch (Exception e)
        {
            // An algorithm BouncyCastle cannot verify, or a key it cannot read.
            throw new ScepDecodeException(ScepFailInfo.BadAlg, "cannot verify the PKCS#10 self-signature", e);
        }
        if (!valid) throw new ScepDecodeException(ScepFailInfo.BadMessageCheck, "PKCS#10 self-signature does not verify");
        return csr;
    }

    /// <summary>
    /// challengePassword is a DirectoryString (RFC 2985): PrintableString, UTF8String and BMPString are
    /// what clients send; TeletexString/UniversalString complete the CHOICE and IA5String is a common
    /// mistake, so they are read too. Null when the CSR carries none.
    /// </summary>
    public static string? ChallengePassword(Pkcs10CertificationRequest csr)
    {
        var attributes = csr.GetCertificationRequestInfo().Attributes;
        if (attributes == null) return null;
        foreach (var element in attributes)
        {
            var attr = AttributePkcs.GetInstance(element);
            if (attr.AttrType.Id != ScepOids.ChallengePassword) continue;
            if (attr.AttrValues.Count != 1)
                throw new ScepDecodeException(ScepFailInfo.BadRequest, "challengePassword must have exactly one value");
            return attr.AttrValues[0] switch
            {
                DerPrintableString or DerUtf8String or DerBmpString or DerT61String or DerUniversalString or DerIA5String
                    => ((IAsn1String)attr.AttrValues[0]).GetString(),
                var other => throw new ScepDecodeException(ScepFailInfo.BadRequest,
                    $"challengePassword has unsupported type {other.GetType().Name}"),
            };
        }
        return null;
    }
}
