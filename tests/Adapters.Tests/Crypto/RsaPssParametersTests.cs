using System.Security.Cryptography;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>Which RSASSA-PSS parameters .NET checks (so no BouncyCastle RSA key object is built) and which fall back.</summary>
public class RsaPssParametersTests
{
    private static AlgorithmIdentifier Pss(DerObjectIdentifier hash, DerObjectIdentifier mgfHash, int salt, int trailer = 1)
    {
        var hashId = new AlgorithmIdentifier(hash, DerNull.Instance);
        return new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsassaPss, new RsassaPssParameters(hashId,
            new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, new AlgorithmIdentifier(mgfHash, DerNull.Instance)),
            new DerInteger(salt), new DerInteger(trailer)));
    }

    [Fact]
    public void Pss_with_mgf1_of_the_same_digest_and_a_digest_sized_salt_is_native()
    {
        Assert.Equal(HashAlgorithmName.SHA256, PublicKeys.RsaPssHash(Pss(NistObjectIdentifiers.IdSha256, NistObjectIdentifiers.IdSha256, 32)));
        Assert.Equal(HashAlgorithmName.SHA512, PublicKeys.RsaPssHash(Pss(NistObjectIdentifiers.IdSha512, NistObjectIdentifiers.IdSha512, 64)));
        Assert.True(PublicKeys.IsNativeRsaSignature(Pss(NistObjectIdentifiers.IdSha384, NistObjectIdentifiers.IdSha384, 48)));
        Assert.True(PublicKeys.IsNativeRsaSignature(new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance)));
    }

    [Fact]
    public void Other_pss_parameters_and_sha224_are_not_native()
    {
        Assert.Null(PublicKeys.RsaPssHash(Pss(NistObjectIdentifiers.IdSha256, NistObjectIdentifiers.IdSha256, 20)));
        Assert.Null(PublicKeys.RsaPssHash(Pss(NistObjectIdentifiers.IdSha256, NistObjectIdentifiers.IdSha512, 32)));
        Assert.Null(PublicKeys.RsaPssHash(Pss(NistObjectIdentifiers.IdSha256, NistObjectIdentifiers.IdSha256, 32, trailer: 2)));
        Assert.Null(PublicKeys.RsaPssHash(new AlgorithmIdentifier(PkcsObjectIdentifiers.IdRsassaPss))); // SHA-1 defaults: salt 20 is native in principle, absent parameters are read by BouncyCastle
        Assert.False(PublicKeys.IsNativeRsaSignature(Pss(NistObjectIdentifiers.IdSha224, NistObjectIdentifiers.IdSha224, 28)));
        Assert.False(PublicKeys.IsNativeRsaSignature(new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha224WithRsaEncryption, DerNull.Instance)));
        Assert.False(PublicKeys.IsNativeRsaSignature(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance)));
    }
}
