using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Tests.Ca;
using Org.BouncyCastle.Security;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>The sealing key is derived from the CA key; instances sharing a CA must agree on it forever.</summary>
public sealed class JournalSealingKeyTests
{
    // Known answers computed with OpenSSL, independently of our code and of BouncyCastle's encodings:
    //   IKM (RSA) = openssl pkcs8 -topk8 -nocrypt -in k.pem -outform DER | xxd -p
    //   IKM (EC)  = the 32-byte "priv:" of openssl pkey -in k.pem -text -noout
    //   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:IKM -kdfopt info:"certconnector journal sealing v1" HKDF
    //   key ID = first 8 bytes of SHA-256 of that output
    private const string EcKey = """
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvOdeU+aaLM+8mPbI
        YxTcgjoKXzIacPtleJg7ceuGT+ahRANCAASkiEtDY4vFHBs7ONsCZmMD80SJsNOW
        4q0pZQIwNJZcPWIwav6z8MTtcrghAwYc21+YJ6aGKdRcAfkVTqmwvH0N
        """;

    private const string RsaKey = """
        MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAKvh89m+SGNRaZKS
        oWWDcb4vyYsPjcbmN9WwArQMNZh7Jik7oj+DMtbSHJSMGIjtwJe49BBpwg/tmD6o
        dhAjvrmYmptkWWI/5Ql0+81OWfBTwQDM8zJrmiltzTVbcpjHInm/bGjqc8WvV9qC
        Uye8R7cU39HcT4ohAZUN+Hhgnk3VAgMBAAECgYBUjXd2grt7V/42IzmQBWQ7qahc
        Zw9Ya8HFtaruxR7MXrA8EmDTG4gz0vJKRMyA92wJdutg85WKXlfJYveJIvxb5ApP
        XpdemYgjf8zGG7w6DFmlnJyKQBKgr1Idq+Cfd4JvTibGt9ou7qcgEaExn/IEyP7u
        PMsERP7lUdHf0madIQJBANNX5nC3T/fXLE8tFk7XWFrtvEuNSs15j609QXVLlGgf
        3+Ct5D8sFOMVWzTlTHL1XNiqHkfsmsADDdqBk01AmY0CQQDQM4VfMR0Q0h4qpCVA
        JQvKU7VneHKG/TgCt8Jttq1nUykt1z8gntVfv+5Ac7LsOlN6QK596YuSfL4xTZMF
        tF9pAkEAmTJ0dmxK6WruUY5rR0dOYstF3LZU7NEbVwa6Nl5M+5VvYZxrgWdg1KMc
        dCFq40H8xYm7XYOjQWB1YFjg//S92QJBAJA50H9Tz3WyiJEzalaYEyXSfQyzZGrc
        iOthDn/gFxlHg3Qs8p8PSHJuy4W8YErCUMeUfQveOAB/B2Wx/lHqVFkCQEMpLJa6
        fqBIJr8hQuPqqVL9bJrxLvNllCJTqZOUsHOmRwVs2fBMbkMd9zxjoSyE1Dgy0Ztt
        zK8hDgcIXMC/qus=
        """;

    [Theory]
    [InlineData(EcKey, "cbb6f265d9d7c254")]
    [InlineData(RsaKey, "335274e58584ddb8")]
    public void The_derivation_matches_an_independent_computation(string pkcs8Base64, string keyId) =>
        Assert.Equal(keyId, JournalSealingKey.DeriveFrom(PrivateKeyFactory.CreateKey(Convert.FromBase64String(pkcs8Base64))).KeyId);

    [Fact]
    public void A_ca_reopened_from_its_key_file_gives_the_same_key_and_another_ca_another()
    {
        var dir = Path.Combine(Path.GetTempPath(), "certconnector-tests", $"sealing-key-{Guid.NewGuid():N}");
        var first = JournalSealingKey.DeriveFrom(BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir)).CaPrivateKey);
        var reopened = JournalSealingKey.DeriveFrom(BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir)).CaPrivateKey);
        var other = JournalSealingKey.DeriveFrom(BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir + "-other")).CaPrivateKey);
        Assert.Equal(first.KeyId, reopened.KeyId);
        Assert.NotEqual(first.KeyId, other.KeyId);
        Assert.Equal(first.Open(reopened.Seal([1, 2, 3], "m"), "m"), [1, 2, 3]);
        foreach (var d in new[] { dir, dir + "-other" }) Directory.Delete(d, true);
    }
}
