using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Utilities.IO.Pem;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>Envelopes made by OpenSSL open with <see cref="CmsEnvelope.Decrypt"/> (what SCEP clients built on OpenSSL send).</summary>
public class CmsOpenSslInteropTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("rsa:2048", "-aes128", new string[0])]
    [InlineData("rsa:2048", "-des3", new string[0])]
    [InlineData("rsa:2048", "-aes256", new[] { "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256" })]
    [InlineData("ec:p256", "-aes192", new string[0])]
    [InlineData("ec:p384", "-aes256", new[] { "-keyopt", "ecdh_kdf_md:sha384" })]
    public void Decrypts_what_openssl_encrypted(string keySpec, string cipher, string[] keyOptions)
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Parse(keySpec));
        File.WriteAllText(_dir.File("r.crt"), Pem.Certificate(certificate));
        File.WriteAllText(_dir.File("m.txt"), "from openssl");

        OpenSsl.Run(_dir.Path, ["cms", "-encrypt", "-binary", cipher, "-in", "m.txt", "-outform", "DER", "-out", "m.cms", "-recip", "r.crt", .. keyOptions]);

        Assert.Equal("from openssl", System.Text.Encoding.UTF8.GetString(CmsEnvelope.Decrypt(File.ReadAllBytes(_dir.File("m.cms")), key.Private, certificate)));
    }

    [Theory]
    [InlineData("rsa:2048", CmsContentAlgorithm.DesEde3Cbc, RsaKeyTransport.Pkcs1v15)]
    [InlineData("rsa:2048", CmsContentAlgorithm.Aes128Cbc, RsaKeyTransport.OaepSha256)]
    [InlineData("ec:p384", CmsContentAlgorithm.Aes192Cbc, RsaKeyTransport.OaepSha256)]
    public void Openssl_decrypts_what_we_encrypted(string keySpec, CmsContentAlgorithm content, RsaKeyTransport transport)
    {
        var (certificate, key) = TestCertificates.Device(KeySpec.Parse(keySpec));
        File.WriteAllText(_dir.File("r.crt"), Pem.Certificate(certificate));
        using (var writer = new StreamWriter(_dir.File("r.key")))
            new PemWriter(writer).WriteObject(new PemObject("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(key.Private).GetDerEncoded()));
        File.WriteAllBytes(_dir.File("m.cms"), CmsEnvelope.Encrypt("to openssl"u8.ToArray(), certificate, content, transport));

        OpenSsl.Run(_dir.Path, "cms", "-decrypt", "-inform", "DER", "-in", "m.cms", "-recip", "r.crt", "-inkey", "r.key", "-out", "m.txt");

        Assert.Equal("to openssl", File.ReadAllText(_dir.File("m.txt")));
    }
}
