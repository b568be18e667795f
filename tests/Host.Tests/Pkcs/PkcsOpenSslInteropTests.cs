using System.Text.Json;

namespace CertConnector.Host.Tests.Pkcs;

/// <summary>
/// Step 3 of the PKCS walkthrough, done by openssl alone on what the running host produced: decrypt the
/// password and the PKCS#12 with the device's key, open the PKCS#12, verify the chain, match the key, and
/// read the requested subject, SANs, key usage, EKUs and the SID extension.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PkcsOpenSslInteropTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    public static TheoryData<string, string, string, bool> Cases => new()
    {
        // device key,                         template,      key spec,   with SID
        { "rsa_keygen_bits:2048|RSA",          "client-auth", "rsa:2048", false },
        { "ec_paramgen_curve:P-256|EC",        "smime",       "ec:p256",  true },
        { "rsa_keygen_bits:3072|RSA",          "smime",       "rsa:3072", true },
        { "ec_paramgen_curve:P-384|EC",        "client-auth", "ec:p384",  false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Openssl_opens_and_verifies_what_the_connector_delivered(string deviceKey, string template, string keySpec, bool withSid)
    {
        var dir = Tools.TempDir("interop");
        var (deviceCert, deviceKeyFile) = MakeDeviceCertificate(dir, deviceKey);
        var id = $"interop-{Guid.NewGuid():N}";
        var args = new List<string>
        {
            "pkcs", "request", "--subject", "CN=Alice Example,O=Contoso,C=US", "--san", "upn:alice@contoso.com",
            "--san", "email:alice@contoso.com", "--san", "dns:alice.contoso.com", "--device-cert", deviceCert,
            "--key", keySpec, "--template", template, "--request-id", id,
        };
        if (withSid) args.AddRange(["--sid", "S-1-5-21-3623811015-3361044348-30300820-1013"]);
        var queued = connector.Process.Cli([.. args]);
        Assert.True(queued.ExitCode == 0, queued.ToString());
        Assert.Equal(id, queued.Json.GetProperty("requestId").GetString());

        connector.Process.WaitForQueueStatus(id, "Completed", TimeSpan.FromSeconds(60));
        var result = connector.Process.Cli("pkcs", "result", id, "--out", dir);
        Assert.True(result.ExitCode == 0, result.ToString());

        var caPem = Path.Combine(dir, "ca.pem");
        File.WriteAllText(caPem, connector.Process.Cli("ca", "cert").Stdout);
        var password = Path.Combine(dir, "password.txt");
        Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", Path.Combine(dir, $"{id}.password.cms"), "-recip", deviceCert, "-inkey", deviceKeyFile, "-out", password);
        var p12 = Path.Combine(dir, "cert.p12");
        Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", Path.Combine(dir, $"{id}.p12.cms"), "-recip", deviceCert, "-inkey", deviceKeyFile, "-out", p12);
        var pass = File.ReadAllText(password);
        Assert.True(pass.Length >= 20, "the PKCS#12 password is long and random");

        var info = Tools.OpenSsl("pkcs12", "-in", p12, "-passin", $"pass:{pass}", "-info", "-noout");
        Assert.Contains("PBES2, PBKDF2, AES-256-CBC", info);
        var keyPem = Path.Combine(dir, "key.pem");
        var certPem = Path.Combine(dir, "leaf.pem");
        Tools.OpenSsl("pkcs12", "-in", p12, "-passin", $"pass:{pass}", "-nocerts", "-nodes", "-out", keyPem);
        Tools.OpenSsl("pkcs12", "-in", p12, "-passin", $"pass:{pass}", "-clcerts", "-nokeys", "-out", certPem);

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", caPem, certPem));
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", caPem, Path.Combine(dir, $"{id}.crt.pem")));
        Assert.Equal(Tools.OpenSsl("pkey", "-in", keyPem, "-pubout"), Tools.OpenSsl("x509", "-in", certPem, "-pubkey", "-noout"));

        var text = Tools.OpenSsl("x509", "-in", certPem, "-noout", "-text", "-nameopt", "RFC2253");
        Assert.Contains("Subject: CN=Alice Example,O=Contoso,C=US", text);
        Assert.Contains("UPN::alice@contoso.com", text);
        Assert.Contains("email:alice@contoso.com", text);
        Assert.Contains("DNS:alice.contoso.com", text);
        Assert.Contains(keySpec.StartsWith("rsa") ? $"Public-Key: ({keySpec[4..]} bit)" : $"Public-Key: ({keySpec[4..]} bit)", text);
        Assert.Contains("Digital Signature", text);
        Assert.Contains(template == "smime" ? "E-mail Protection" : "TLS Web Client Authentication", text);
        if (withSid)
        {
            Assert.Contains("1.3.6.1.4.1.311.25.2:", text);
            Assert.Contains("S-1-5-21-3623811015-3361044348-30300820-1013", text);
        }
        else Assert.DoesNotContain("1.3.6.1.4.1.311.25.2", text);
    }

    private static (string Cert, string Key) MakeDeviceCertificate(string dir, string spec)
    {
        var parts = spec.Split('|');
        var key = Path.Combine(dir, "device.key");
        var cert = Path.Combine(dir, "device.crt");
        Tools.OpenSsl("genpkey", "-algorithm", parts[1], "-pkeyopt", parts[0], "-out", key);
        Tools.OpenSsl("req", "-x509", "-new", "-key", key, "-subj", "/CN=device-1", "-days", "30", "-out", cert);
        return (cert, key);
    }
}
