using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace CertConnector.Adapters.Revocation;

/// <summary>One revoked certificate as the CRL lists it.</summary>
public sealed record RevokedEntry(string SerialHex, DateTimeOffset RevokedAt, RevocationReason Reason);

/// <summary>A signed CRL and what HTTP caching needs to know about it.</summary>
public sealed record CrlDocument(byte[] Der, long Number, DateTimeOffset ThisUpdate, DateTimeOffset NextUpdate)
{
    /// <summary>Re-issued at half its life, so a relying party that fetched it late still has a valid CRL while we publish the next.</summary>
    public DateTimeOffset RefreshAt => ThisUpdate + (NextUpdate - ThisUpdate) / 2;

    public string Pem => "-----BEGIN X509 CRL-----\n" + Convert.ToBase64String(Der, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n") + "\n-----END X509 CRL-----\n";
}

/// <summary>Builds an RFC 5280 v2 CRL: signed by the CA key, with cRLNumber and authorityKeyIdentifier, a reason per entry.</summary>
public static class CrlBuilder
{
    public static CrlDocument Build(X509Certificate ca, AsymmetricKeyParameter caKey, long number, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate,
        IEnumerable<RevokedEntry> revoked)
    {
        if (number <= 0) throw new ArgumentOutOfRangeException(nameof(number), number, "CRL numbers start at 1");
        if (nextUpdate <= thisUpdate) throw new ArgumentException("nextUpdate must be after thisUpdate", nameof(nextUpdate));
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(ca.SubjectDN);
        generator.SetThisUpdate(thisUpdate.UtcDateTime);
        generator.SetNextUpdate(nextUpdate.UtcDateTime);
        foreach (var entry in revoked)
            // RFC 5280 5.3.1: reasonCode unspecified (0) SHOULD be absent; BouncyCastle leaves it out for 0.
            generator.AddCrlEntry(new BigInteger(entry.SerialHex, 16), entry.RevokedAt.UtcDateTime, (int)entry.Reason);
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, CaSigning.AuthorityKeyIdentifier(ca));
        generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(number)));
        var crl = generator.Generate(CaSigning.Signer(caKey));
        return new CrlDocument(crl.GetEncoded(), number, thisUpdate, nextUpdate);
    }
}
