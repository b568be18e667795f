using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>ECDSA through .NET's OpenSSL for what the CA and the OCSP responder sign: verified by BouncyCastle, and only for P-256 and P-384.</summary>
public sealed class DotNetEcdsaSignerTests
{
    [Theory]
    [InlineData("ec:p256", "SHA-256withECDSA", "1.2.840.10045.4.3.2")]
    [InlineData("ec:p384", "SHA-384withECDSA", "1.2.840.10045.4.3.3")]
    public void Its_signatures_verify_with_BouncyCastle_under_the_curves_own_hash(string spec, string verifier, string algorithm)
    {
        var key = KeyGeneration.Generate(KeySpec.Parse(spec));
        var signer = DotNetEcdsaSigner.For(key.Private)!;
        Assert.Equal(algorithm, ((Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier)signer.AlgorithmDetails).Algorithm.Id);
        var data = "what the CA signs"u8.ToArray();
        var calculator = signer.CreateCalculator();
        calculator.Stream.Write(data);
        var signature = calculator.GetResult().Collect();

        var check = SignerUtilities.GetSigner(verifier);
        check.Init(false, key.Public);
        check.BlockUpdate(data);
        Assert.True(check.VerifySignature(signature));
        check.Init(false, key.Public);
        check.BlockUpdate("something else"u8.ToArray());
        Assert.False(check.VerifySignature(signature));
    }

    [Theory]
    [InlineData("secp256k1")]
    [InlineData("brainpoolP256r1")]
    public void A_key_on_another_256_bit_curve_is_left_to_BouncyCastle(string curve)
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(new ECDomainParameters(ECNamedCurveTable.GetByName(curve)), new SecureRandom()));
        Assert.Null(DotNetEcdsaSigner.For(generator.GenerateKeyPair().Private));
    }
}
