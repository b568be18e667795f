using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// A "degenerate certificates-only" CMS SignedData (RFC 8894 §3.4): no signers, no content, just
/// certificates (and CRLs). Built from the ASN.1 types so the bytes are plain DER with nothing extra.
/// </summary>
public static class DegenerateSignedData
{
    public static byte[] Build(IEnumerable<X509Certificate> certificates, IEnumerable<X509Crl>? crls = null)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var certVector = new Asn1EncodableVector();
        foreach (var c in certificates) certVector.Add(c.CertificateStructure);
        var crlVector = new Asn1EncodableVector();
        foreach (var crl in crls ?? []) crlVector.Add(crl.CertificateList);

        // DER would sort the SET OF certificates by encoding. A BerSet written with the DL encoding
        // (definite lengths, no sorting) keeps the caller's order, which matters because clients such as
        // micromdm's take the first certificate of a CertRep as the issued one.
        var signedData = new SignedData(
            new DerSet(),
            new ContentInfo(CmsObjectIdentifiers.Data, null),
            new BerSet(certVector),
            crlVector.Count > 0 ? new BerSet(crlVector) : null,
            new DerSet());
        return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.DL);
    }
}
