using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Tests.Ca;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace CertConnector.Adapters.Tests.Revocation;

/// <summary>A built-in CA in a scratch directory, on a clock the test moves, and helpers to issue and to ask OCSP.</summary>
public static class RevocationTestCa
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static BuiltInCa Open(string directory, ManualTime time, string keySpec = "ec:p256") =>
        BuiltInCa.OpenOrCreate(CaTestSupport.Options(directory, keySpec), time);

    public static async Task<X509Certificate> IssueAsync(BuiltInCa ca, string requestId = "r1")
    {
        var (csr, _) = CaTestSupport.Csr();
        var issued = await ca.IssueAsync(new IssuanceRequest(requestId, "pkcs", csr, "client-auth"), CancellationToken.None);
        return new X509Certificate(issued.CertificateDer);
    }

    public static byte[] OcspRequest(X509Certificate issuer, BigInteger serial, byte[]? nonce = null, string hash = "1.3.14.3.2.26")
    {
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(new AlgorithmIdentifier(new DerObjectIdentifier(hash), DerNull.Instance), issuer, serial));
        if (nonce is not null)
            generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new(false, new DerOctetString(new DerOctetString(nonce).GetEncoded())),
            }));
        return generator.Generate().GetEncoded();
    }
}
