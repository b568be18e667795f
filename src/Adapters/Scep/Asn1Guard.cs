using Org.BouncyCastle.Asn1;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// The one place device bytes become ASN.1. BouncyCastle 2.x already refuses trailing data and caps
/// nesting at 64 levels (so "30 80 30 80 ..." cannot overflow the stack); a test pins both, since the
/// decoder's safety depends on them.
/// </summary>
internal static class Asn1Guard
{
    /// <summary>One BER/DER object spanning all of <paramref name="data"/>, or null.</summary>
    public static Asn1Object? TryParse(byte[] data)
    {
        try
        {
            return Asn1Object.FromByteArray(data);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
