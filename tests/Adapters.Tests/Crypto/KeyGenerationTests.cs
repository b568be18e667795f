using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CertConnector.Adapters.Tests.Crypto;

public class KeyGenerationTests
{
    public static TheoryData<string> Specs => new(KeySpec.Supported);

    [Theory]
    [MemberData(nameof(Specs))]
    public void Generate_gives_a_working_key_pair_of_the_requested_spec(string text)
    {
        var spec = KeySpec.Parse(text);
        AssertKeyPair(spec, KeyGeneration.Generate(spec));
    }

    [Theory]
    [InlineData("rsa:2048")]
    [InlineData("ec:p256")]
    [InlineData("ec:p384")]
    public void Both_engines_produce_valid_keys(string text)
    {
        var spec = KeySpec.Parse(text);
        AssertKeyPair(spec, KeyGeneration.GenerateBouncyCastle(spec));
        AssertKeyPair(spec, KeyGeneration.GenerateDotNet(spec));
    }

    [Fact]
    public void Two_keys_differ()
    {
        var a = (RsaKeyParameters)KeyGeneration.Generate(KeySpec.Rsa2048).Public;
        var b = (RsaKeyParameters)KeyGeneration.Generate(KeySpec.Rsa2048).Public;
        Assert.NotEqual(a.Modulus, b.Modulus);
    }

    private static void AssertKeyPair(KeySpec spec, AsymmetricCipherKeyPair pair)
    {
        switch (spec.Algorithm)
        {
            case KeyAlgorithm.Rsa:
                var rsa = Assert.IsType<RsaKeyParameters>(pair.Public);
                Assert.Equal(spec.Size, rsa.Modulus.BitLength);
                Assert.IsType<RsaPrivateCrtKeyParameters>(pair.Private);
                break;
            case KeyAlgorithm.Ecdsa:
                var ec = Assert.IsType<ECPublicKeyParameters>(pair.Public);
                Assert.Equal(spec.Size == 256 ? SecObjectIdentifiers.SecP256r1 : SecObjectIdentifiers.SecP384r1, ec.PublicKeyParamSet);
                break;
        }

        // The private key signs what the public key verifies: the two halves belong together.
        var data = "probe"u8.ToArray();
        var algorithm = KeyGeneration.SignatureAlgorithm(pair.Private);
        var signer = SignerUtilities.GetSigner(algorithm);
        signer.Init(true, pair.Private);
        signer.BlockUpdate(data, 0, data.Length);
        var signature = signer.GenerateSignature();
        var verifier = SignerUtilities.GetSigner(algorithm);
        verifier.Init(false, pair.Public);
        verifier.BlockUpdate(data, 0, data.Length);
        Assert.True(verifier.VerifySignature(signature));
    }
}
