using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Utilities.IO.Pem;
using static CertConnector.Adapters.Tests.Common.CaTestSupport;

namespace CertConnector.Adapters.Tests.Ca;

/// <summary>
/// The whole PKCS flow (device certificate check, key + CSR, built-in CA issuance, PKCS#12, CMS to the device) checked
/// with nothing but the openssl CLI on the receiving side, as a device would open it.
/// </summary>
public class PkcsOpenSslInteropTests : IDisposable
{
    private const string Sid = "S-1-5-21-1004336348-1177238915-682003330-512";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("rsa:2048", "rsa:2048", "rsa:2048")]
    [InlineData("ec:p256", "ec:p384", "ec:p256")]
    [InlineData("ec:p384", "rsa:2048", "rsa:3072")]
    public async Task Device_opens_the_sealed_credential_with_openssl_alone(string deviceKey, string caKey, string credentialKey)
    {
        var ca = BuiltInCa.OpenOrCreate(Options(Path.Combine(_dir.Path, "ca"), caKey));
        File.WriteAllText(_dir.File("ca.pem"), Pem.Certificate(ca.CaCertificate));
        var (device, deviceKeyPair) = TestCertificates.Device(KeySpec.Parse(deviceKey));
        File.WriteAllText(_dir.File("device.crt"), Pem.Certificate(device));
        WritePrivateKeyPem(_dir.File("device.key"), deviceKeyPair.Private);

        var factory = new PkcsCredentialFactory();
        factory.ValidateDeviceCertificate(device.GetEncoded(), DateTimeOffset.UtcNow);
        SubjectAltName[] sans = [new("upn", "alice@contoso.com"), new("email", "alice@contoso.com"), new("dns", "alice-pc.contoso.com"),
            new("uri", "https://contoso.com/device/7"), new("ip", "192.0.2.7")];
        IssuedCertificate issued;
        SealedCredential sealedCredential;
        using (var pending = factory.CreateKeyAndCsr(KeySpec.Parse(credentialKey), "CN=Alice, O=Contoso, C=US", sans))
        {
            issued = await ca.IssueAsync(new IssuanceRequest("req-1", "pkcs", pending.CsrDer, "client-auth", OnPremisesSid: Sid), CancellationToken.None);
            sealedCredential = factory.Seal(pending, issued, device.GetEncoded());
        }
        File.WriteAllBytes(_dir.File("pw.cms"), sealedCredential.EncryptedPassword);
        File.WriteAllBytes(_dir.File("pfx.cms"), sealedCredential.EncryptedPfx);

        // The envelopes use the algorithms the device expects.
        var cmsInfo = Run("cms", "-cmsout", "-print", "-inform", "DER", "-in", "pw.cms");
        Assert.Contains("aes-256-cbc", cmsInfo);
        if (deviceKey.StartsWith("rsa"))
        {
            Assert.Contains("rsaesOaep", cmsInfo);
            Assert.Contains("sha256", cmsInfo);
        }
        else
        {
            Assert.Contains("dhSinglePass-stdDH-sha256kdf-scheme", cmsInfo);
            Assert.Contains("id-aes256-wrap", cmsInfo);
        }

        // Decrypt both envelopes with the device key.
        Run("cms", "-decrypt", "-inform", "DER", "-in", "pw.cms", "-recip", "device.crt", "-inkey", "device.key", "-out", "pw.txt");
        var password = File.ReadAllText(_dir.File("pw.txt"));
        Assert.Matches("^[A-Za-z0-9]{32}$", password);
        Run("cms", "-decrypt", "-inform", "DER", "-in", "pfx.cms", "-recip", "device.crt", "-inkey", "device.key", "-binary", "-out", "x.p12");

        // The PKCS#12 opens with that password and uses PBES2/AES-256/PBKDF2-SHA256 and a SHA-256 MAC.
        var info = RunWithStderr("pkcs12", "-in", "x.p12", "-passin", "pass:" + password, "-info", "-noout");
        Assert.Contains("MAC: sha256", info);
        Assert.Contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", info);
        Assert.Contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", info);
        Assert.Contains("friendlyName: Alice", Run("pkcs12", "-in", "x.p12", "-passin", "pass:" + password, "-nodes"));
        Run("pkcs12", "-in", "x.p12", "-passin", "pass:" + password, "-nokeys", "-clcerts", "-out", "cert.pem");
        Run("pkcs12", "-in", "x.p12", "-passin", "pass:" + password, "-nokeys", "-cacerts", "-out", "chain.pem");
        Run("pkcs12", "-in", "x.p12", "-passin", "pass:" + password, "-nocerts", "-nodes", "-out", "key.pem");
        Assert.NotEqual(0, OpenSsl.TryRun(_dir.Path, "pkcs12", "-in", "x.p12", "-passin", "pass:wrong", "-noout").ExitCode);

        // The certificate chains to the CA, the key belongs to it, and the chain in the PKCS#12 is the CA.
        Assert.Contains("cert.pem: OK", Run("verify", "-CAfile", "ca.pem", "cert.pem"));
        Assert.Equal(Run("x509", "-in", "cert.pem", "-noout", "-pubkey"), Run("pkey", "-in", "key.pem", "-pubout"));
        Assert.Equal(Run("x509", "-in", "ca.pem", "-noout", "-fingerprint", "-sha1"), Run("x509", "-in", "chain.pem", "-noout", "-fingerprint", "-sha1"));
        Assert.Contains(issued.Thumbprint, Run("x509", "-in", "cert.pem", "-noout", "-fingerprint", "-sha1").Replace(":", ""));

        var text = Run("x509", "-in", "cert.pem", "-noout", "-text");
        Assert.Contains("Subject: C = US, O = Contoso, CN = Alice", text);
        Assert.Contains("othername: UPN::alice@contoso.com", text);
        Assert.Contains("email:alice@contoso.com", text);
        Assert.Contains("DNS:alice-pc.contoso.com", text);
        Assert.Contains("URI:https://contoso.com/device/7", text);
        Assert.Contains("IP Address:192.0.2.7", text);
        Assert.Contains("TLS Web Client Authentication", text);
        Assert.Contains("1.3.6.1.4.1.311.25.2:", text);
        Assert.Equal(Sid, SidFromExtension("cert.pem"));
        Assert.Contains(credentialKey.StartsWith("rsa") ? "Digital Signature, Key Encipherment" : "Digital Signature, Key Agreement", text);
        Assert.Contains("CA:FALSE", text);
    }

    [Fact]
    public void Ca_key_file_is_standard_encrypted_pkcs8_that_openssl_reads_with_the_passphrase()
    {
        // A non-ASCII passphrase checks that both sides feed PBKDF2 the same (UTF-8) bytes.
        const string passphrase = "pässwörd-ü-€";
        var options = Options(_dir.Path, "rsa:2048");
        options.PassphraseSupplier = () => passphrase.ToCharArray();
        var ca = BuiltInCa.OpenOrCreate(options);

        var parsed = Run("asn1parse", "-in", "ca.key.p8");
        Assert.Contains("PBES2", parsed);
        Assert.Contains("PBKDF2", parsed);
        Assert.Contains("hmacWithSHA256", parsed);
        Assert.Contains("aes-256-cbc", parsed);
        Assert.Equal(Run("x509", "-in", "ca.crt.pem", "-noout", "-pubkey"), Run("pkey", "-in", "ca.key.p8", "-passin", "pass:" + passphrase, "-pubout"));
        Assert.NotEqual(0, OpenSsl.TryRun(_dir.Path, "pkey", "-in", "ca.key.p8", "-passin", "pass:wrong", "-noout").ExitCode);
        Assert.Contains("ra.crt.pem: OK", Run("verify", "-CAfile", "ca.crt.pem", "ra.crt.pem"));
        _ = ca;
    }

    [Fact]
    public async Task Ca_made_by_openssl_can_be_imported_from_pkcs12_and_issues_verifiable_certificates()
    {
        Run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key", "-out", "root.pem",
            "-subj", "/C=US/O=Contoso/CN=Contoso Issuing CA", "-days", "365", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature");
        Run("pkcs12", "-export", "-inkey", "root.key", "-in", "root.pem", "-passout", "pass:import-me", "-out", "root.p12");

        var ca = BuiltInCa.Import(Options(Path.Combine(_dir.Path, "ca")), _dir.File("root.p12"), "import-me");
        Assert.Equal("C=US,O=Contoso,CN=Contoso Issuing CA", ca.CaCertificate.SubjectDN.ToString());
        Assert.Throws<InvalidOperationException>(() => BuiltInCa.Import(Options(Path.Combine(_dir.Path, "ca")), _dir.File("root.p12"), "import-me"));
        var reopened = BuiltInCa.OpenOrCreate(Options(Path.Combine(_dir.Path, "ca")));
        Assert.Equal(ca.CaCertificate, reopened.CaCertificate);

        var (csr, _) = Csr("rsa:2048", "CN=Bob", new SubjectAltName("email", "bob@contoso.com"));
        var issued = await reopened.IssueAsync(new IssuanceRequest("imp", "pkcs", csr, "smime"), CancellationToken.None);
        File.WriteAllText(_dir.File("bob.pem"), Pem.Certificate(new Org.BouncyCastle.X509.X509Certificate(issued.CertificateDer)));
        Assert.Contains("bob.pem: OK", Run("verify", "-CAfile", "root.pem", "-purpose", "smimeencrypt", "bob.pem"));
        File.WriteAllText(_dir.File("ra.pem"), Pem.Certificate(reopened.RaCertificate));
        Assert.Contains("ra.pem: OK", Run("verify", "-CAfile", "root.pem", "ra.pem"));
    }

    private string Run(params string[] arguments) => OpenSsl.Run(_dir.Path, arguments);

    /// <summary>Finds the SID extension with asn1parse and parses its value: SEQUENCE { [0] { OID 1.3.6.1.4.1.311.25.2.1, [0] { OCTET STRING } } }.</summary>
    private string SidFromExtension(string certificate)
    {
        Run("x509", "-in", certificate, "-outform", "DER", "-out", "leaf.der"); // asn1parse cannot skip pkcs12's "Bag Attributes" header
        var lines = Run("asn1parse", "-inform", "DER", "-in", "leaf.der").Split('\n');
        var oidLine = Array.FindIndex(lines, l => l.TrimEnd().EndsWith(":1.3.6.1.4.1.311.25.2"));
        Assert.True(oidLine >= 0, "SID extension present");
        var valueOffset = lines[oidLine + 1].Split(':')[0].Trim();
        var value = Run("asn1parse", "-inform", "DER", "-in", "leaf.der", "-strparse", valueOffset).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, value.Length);
        Assert.Contains("cons: SEQUENCE", value[0]);
        Assert.Contains("cons: cont [ 0 ]", value[1]);
        Assert.EndsWith(":1.3.6.1.4.1.311.25.2.1", value[2].TrimEnd());
        Assert.Contains("cons: cont [ 0 ]", value[3]);
        Assert.Contains("prim: OCTET STRING", value[4]);
        return value[4][(value[4].LastIndexOf(':') + 1)..].Trim();
    }

    private string RunWithStderr(params string[] arguments)
    {
        var (exitCode, output, error) = OpenSsl.TryRun(_dir.Path, arguments);
        Assert.True(exitCode == 0, $"openssl {string.Join(' ', arguments)} exited {exitCode}: {error}");
        return output + error;
    }

    private static void WritePrivateKeyPem(string path, AsymmetricKeyParameter key)
    {
        using var writer = new StreamWriter(path);
        new PemWriter(writer).WriteObject(new PemObject("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded()));
    }
}
