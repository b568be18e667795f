using System.Text.RegularExpressions;

namespace CertConnector.Host.Tests.Ca;

/// <summary>
/// An existing CA (made by openssl, EC P-256) imported on the first start with Connector:Ca:KeyStore=pkcs11: its key goes
/// into the token as a sensitive, non-extractable object and never to disk, and the certificates and OCSP answers the
/// token then signs (ECDSA for the CA) verify with openssl against the CA certificate openssl made.
/// </summary>
[Trait("Category", "Interop")]
public sealed class Pkcs11ImportTests
{
    [Fact]
    public void An_imported_ec_ca_key_lives_in_the_token_and_what_it_signs_verifies_with_openssl()
    {
        using var hsm = new SoftHsm();
        var dir = Tools.TempDir("hsm-import");
        var caKey = Path.Combine(dir, "ca.key");
        var caCert = Path.Combine(dir, "ca.crt");
        var p12 = Path.Combine(dir, "ca.p12");
        Tools.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caCert,
            "-subj", "/CN=Imported HSM CA", "-days", "365", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Tools.OpenSsl("pkcs12", "-export", "-inkey", caKey, "-in", caCert, "-out", p12, "-passout", "pass:import-secret");

        var settings = new Dictionary<string, string>(hsm.Settings()) { ["Ca:ImportPkcs12"] = p12, ["Ca:ImportPassword"] = "import-secret" };
        using var process = ConnectorProcess.Start(Path.Combine(dir, "data"), settings, hsm.Environment);

        var key = Assert.Single(hsm.Objects("Private Key", "certconnector-ca"));
        Assert.Contains("EC", key);
        Assert.Contains("sensitive", key);
        Assert.DoesNotMatch(new Regex("(?<!never )extractable"), key);
        Assert.False(File.Exists(Path.Combine(process.DataDir, "ca", "ca.key.p8")), "the imported key was written to disk");
        Assert.Equal(Tools.OpenSsl("x509", "-in", caCert, "-noout", "-fingerprint", "-sha256"),
            Tools.OpenSsl("x509", "-in", Path.Combine(process.DataDir, "ca", "ca.crt.pem"), "-noout", "-fingerprint", "-sha256"));

        var leaf = PkcsThroughCli.Issue(process, dir, out _, out _, key: "ec:p256");
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", caCert, leaf));
        Assert.Contains("ecdsa-with-SHA256", Tools.OpenSsl("x509", "-in", leaf, "-noout", "-text"));

        var origin = process.ScepUrl[..process.ScepUrl.LastIndexOf("/scep", StringComparison.Ordinal)];
        var ocsp = Tools.OpenSsl("ocsp", "-issuer", caCert, "-cert", leaf, "-url", origin + "/ocsp", "-CAfile", caCert);
        Assert.Contains($"{leaf}: good", ocsp);
        Assert.Contains("Response verify OK", ocsp);
    }
}
