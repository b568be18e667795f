using CertConnector.Host.Tests.Scep;

namespace CertConnector.Host.Tests.Ca;

/// <summary>A connector whose CA, RA and OCSP-signer keys are in a SoftHSM token (Connector:Ca:KeyStore=pkcs11).</summary>
public sealed class HsmConnector : IDisposable
{
    public HsmConnector()
    {
        Hsm = new SoftHsm();
        Dir = Tools.TempDir("hsm-connector");
        // scepclient (micromdm 2.1.0) encrypts with single DES only.
        var settings = new Dictionary<string, string>(Hsm.Settings()) { ["Scep:AllowSingleDes"] = "true" };
        Process = ConnectorProcess.Start(Path.Combine(Dir, "data"), settings, Hsm.Environment);
        File.WriteAllText(CaPem, Process.Cli("ca", "cert").Stdout);
    }

    public SoftHsm Hsm { get; }
    public string Dir { get; }
    public ConnectorProcess Process { get; }
    public string CaPem => Path.Combine(Dir, "ca.pem");
    public string Origin => Process.ScepUrl[..Process.ScepUrl.LastIndexOf("/scep", StringComparison.Ordinal)];

    public string Challenge(string subject)
    {
        var minted = Process.Cli("scep", "challenge", "--subject", subject, "--ttl", "10m");
        if (minted.ExitCode != 0) throw new InvalidOperationException(minted.ToString());
        return minted.Json.GetProperty("challenge").GetString()!;
    }

    public void Dispose()
    {
        Process.Dispose();
        Hsm.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

/// <summary>
/// The built-in CA with its keys in a PKCS#11 token (SoftHSM): the keys are made there as sensitive, never-extractable
/// objects (opensc's pkcs11-tool says so), and PKCS, SCEP (scepclient) and OCSP work end to end with openssl verifying
/// everything the token signed; neither the data directory nor its databases hold a CA key or the PIN.
/// </summary>
[Trait("Category", "Interop")]
public sealed class Pkcs11KeyStoreTests(HsmConnector connector) : IClassFixture<HsmConnector>
{
    private static readonly string[] TokenKeys = ["certconnector-ca", "certconnector-ra", "certconnector-ocsp"];

    [Fact]
    public void The_ca_ra_and_ocsp_keys_are_sensitive_never_extractable_token_objects()
    {
        foreach (var label in TokenKeys)
        {
            var key = Assert.Single(connector.Hsm.Objects("Private Key", label));
            Assert.Contains("never extractable", key);
            Assert.Contains("sensitive", key);
            Assert.Contains("sign", key);
        }
        Assert.Contains("decrypt", Assert.Single(connector.Hsm.Objects("Private Key", "certconnector-ra")));
        var ca = Assert.Single(connector.Hsm.Objects("Private Key", "certconnector-ca"));
        Assert.Contains("RSA", ca); // the default rsa:3072
        Assert.Single(connector.Hsm.Objects("Secret Key", "certconnector-journal-sealing"));

        // The certificates stay where they were; no key file is written for the token's keys.
        var caDir = Path.Combine(connector.Process.DataDir, "ca");
        foreach (var name in new[] { "ca", "ra", "ocsp" })
        {
            Assert.True(File.Exists(Path.Combine(caDir, name + ".crt.pem")), name);
            Assert.False(File.Exists(Path.Combine(caDir, name + ".key.p8")), $"{name}.key.p8 was written");
        }
        // The token's CA key is the one the CA certificate names: its CKA_ID is the SHA-1 of the certificate's public key.
        var ski = Tools.OpenSsl("x509", "-in", connector.CaPem, "-noout", "-ext", "subjectKeyIdentifier").Split('\n')[1].Trim().Replace(":", "").ToLowerInvariant();
        Assert.Contains($"ID:         {ski}", ca);
    }

    [Fact]
    public void A_pkcs_certificate_signed_in_the_token_opens_and_verifies_with_openssl()
    {
        var dir = Tools.TempDir("hsm-pkcs");
        var leaf = IssueThroughPkcs(dir, out var p12, out var pass);
        var certPem = Path.Combine(dir, "leaf-from-p12.pem");
        Tools.OpenSsl("pkcs12", "-in", p12, "-passin", $"pass:{pass}", "-clcerts", "-nokeys", "-out", certPem);
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, certPem));
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, leaf));
    }

    [Fact]
    public void Scepclient_enrolls_through_the_token_ra_and_openssl_verifies_the_certificate()
    {
        // The RA decrypts the envelope (C_Decrypt) and signs the CertRep (C_Sign) in the token; the CA signs the certificate there.
        var challenge = connector.Challenge("CN=hsm-device,OU=MDM,O=scep-client,C=US");
        var (exit, output, dir) = ScepClientTool.Run(connector.Process.ScepUrl, "hsm-device", challenge);
        Assert.True(exit == 0, output);
        Assert.Contains("pkiStatus=SUCCESS", output);
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, Path.Combine(dir, "device.crt")));
    }

    [Fact]
    public async Task Ocsp_answers_and_the_crl_signed_in_the_token_verify_with_openssl()
    {
        var dir = Tools.TempDir("hsm-ocsp");
        var leaf = IssueThroughPkcs(dir, out _, out _);
        var good = Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-cert", leaf, "-url", connector.Origin + "/ocsp", "-CAfile", connector.CaPem);
        Assert.Contains($"{leaf}: good", good);
        Assert.Contains("Response verify OK", good);

        var crl = Path.Combine(dir, "crl.der");
        using (var http = new HttpClient()) File.WriteAllBytes(crl, await http.GetByteArrayAsync(connector.Origin + "/crl/certconnector-built-in-ca.crl"));
        Assert.Contains("verify OK", Tools.OpenSsl("crl", "-in", crl, "-inform", "DER", "-CAfile", connector.CaPem, "-noout"));
    }

    [Fact]
    public void No_file_or_database_in_the_data_directory_holds_a_ca_key_or_the_pin()
    {
        IssueThroughPkcs(Tools.TempDir("hsm-scan"), out _, out _); // the journal, the stores and the logs have seen work
        // Every file but the data directory's lock, which the running connector holds exclusively (it names the process only).
        var files = Directory.GetFiles(connector.Process.DataDir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "connector.lock").ToList();
        Assert.Empty(DataDirSecretScan.Find(files, [connector.Hsm.Pin]));
        // PKCS#8 in PEM ("PRIVATE KEY") only in the key files of what stays in software: the connector key and the node's remoting key.
        var withKeys = DataDirSecretScan.Find(files, ["PRIVATE KEY"]).Select(hit => Path.GetFileName(hit[..hit.IndexOf(": ", StringComparison.Ordinal)])).Distinct().Order();
        Assert.Contains("connector.key.p8", withKeys); // the scan sees an encrypted key file where there is one
        Assert.Empty(withKeys.Except(["connector.key.p8", "remoting.key.p8"]));
    }

    private string IssueThroughPkcs(string dir, out string p12, out string pass) => PkcsThroughCli.Issue(connector.Process, dir, out p12, out pass);
}
