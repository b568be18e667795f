using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;

namespace CertConnector.Actors.Tests.Scep;

/// <summary>The CA request ID follows (transaction, CSR key, renewed serial), not the CSR's bytes or its signer.</summary>
public sealed class ScepIssuanceIdsTests
{
    private static AsymmetricCipherKeyPair NewKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        return generator.GenerateKeyPair();
    }

    [Fact]
    public void The_same_transaction_and_CSR_key_give_one_ID_whatever_else_the_CSR_holds()
    {
        var key = NewKey();
        var csr = ScepClient.CreateCsr(key, "CN=device", "challenge-1");
        var resigned = ScepClient.CreateCsr(key, "CN=device", "challenge-2", signatureAlgorithm: "SHA512WITHRSA");
        Assert.NotEqual(csr, resigned);

        var id = ScepIssuanceIds.For("tx-1", csr, null);
        Assert.Equal(id, ScepIssuanceIds.For("tx-1", resigned, null));
        Assert.NotEqual(id, ScepIssuanceIds.For("tx-2", csr, null));
        Assert.NotEqual(id, ScepIssuanceIds.For("tx-1", ScepClient.CreateCsr(NewKey(), "CN=device", "challenge-1"), null));
        Assert.NotEqual(id, ScepIssuanceIds.For("tx-1", csr, "0A1B"));
        Assert.StartsWith("scep-issue-", id);
    }

    [Fact]
    public void The_public_key_read_is_the_CSRs_SubjectPublicKeyInfo_and_garbage_reads_as_none()
    {
        var key = NewKey();
        var csr = ScepClient.CreateCsr(key, "CN=device");
        var expected = Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.Public).GetDerEncoded();
        Assert.Equal(expected, ScepIssuanceIds.TrySubjectPublicKeyInfo(csr));
        Assert.Null(ScepIssuanceIds.TrySubjectPublicKeyInfo([0x30, 0x01]));
        Assert.Null(ScepIssuanceIds.TrySubjectPublicKeyInfo([]));
        Assert.NotEqual(ScepIssuanceIds.For("tx", [0x30, 0x01], null), ScepIssuanceIds.For("tx", [0x30, 0x02], null));
    }
}
