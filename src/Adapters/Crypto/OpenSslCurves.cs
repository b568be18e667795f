using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Crypto.Parameters;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// The curves on which .NET's OpenSSL takes BouncyCastle's EC work over (signatures, key agreement), recognised by their
/// parameters, not their size or whether the key names them: brainpoolP256r1 and secp256k1 are 256 bits wide too, and a
/// certificate may spell P-256 out as explicit parameters.
/// </summary>
internal static class OpenSslCurves
{
    public static readonly ECDomainParameters P256 = new(NistNamedCurves.GetByName("P-256"));
    public static readonly ECDomainParameters P384 = new(NistNamedCurves.GetByName("P-384"));
    private static readonly ECDomainParameters P521 = new(NistNamedCurves.GetByName("P-521"));

    /// <summary>.NET's name for the curve of <paramref name="domain"/>; null when it is none of P-256, P-384, P-521.</summary>
    public static System.Security.Cryptography.ECCurve? For(ECDomainParameters domain) =>
        domain.Equals(P256) ? System.Security.Cryptography.ECCurve.NamedCurves.nistP256
        : domain.Equals(P384) ? System.Security.Cryptography.ECCurve.NamedCurves.nistP384
        : domain.Equals(P521) ? System.Security.Cryptography.ECCurve.NamedCurves.nistP521
        : null;

    /// <summary>A BouncyCastle point as .NET's affine coordinates, each as wide as the field.</summary>
    public static System.Security.Cryptography.ECPoint Point(Org.BouncyCastle.Math.EC.ECPoint point)
    {
        var q = point.Normalize();
        return new System.Security.Cryptography.ECPoint { X = q.AffineXCoord.GetEncoded(), Y = q.AffineYCoord.GetEncoded() };
    }
}
