using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
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
        Http = new ScepHttpClient(Process.ScepUrl);
    }

    public ScepHttpClient Http { get; }

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
        Http.Dispose();
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

    public static TheoryData<string, ScepKeyTransport, string, string> Variants => new()
    {
        // name,           key transport (C_Decrypt mechanism),  content,             digest (the CertRep's, C_Sign)
        { "oaep1-aes256",  ScepKeyTransport.OaepSha1,            ScepOids.Aes256Cbc,  ScepOids.Sha256 },
        { "pkcs1-sha512",  ScepKeyTransport.Pkcs1v15,            ScepOids.Aes128Cbc,  ScepOids.Sha512 },
        { "oaep256-des3",  ScepKeyTransport.OaepSha256,          ScepOids.DesEde3Cbc, ScepOids.Sha256 },
    };

    /// <summary>What scepclient does not send: RSAES-OAEP key transport (CKM_RSA_PKCS_OAEP in the token) and a SHA-512 CertRep.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_token_ra_decrypts_oaep_and_signs_sha512_certreps(string name, ScepKeyTransport transport, string content, string digest)
    {
        var subject = $"CN=hsm-{name}";
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, subject);
        var csr = ScepClient.CreateCsr(key, subject, connector.Challenge(subject));
        var reply = await connector.Http.EnrollAsync(key, signer, csr, new PkiMessageOptions { KeyTransport = transport, ContentAlgorithmOid = content, DigestOid = digest });
        Assert.Equal(ScepPkiStatus.Success, reply.Status); // the reply's RA signature was verified while decoding it
        reply.Certificates[0].Verify(connector.Http.CaCerts.Single(c => c.GetBasicConstraints() >= 0).GetPublicKey());
    }

    /// <summary>
    /// An envelope addressed to the RA whose content key was wrapped for another key: the token's C_Decrypt fails (or gives
    /// garbage), which is a SCEP failure (badMessageCheck) like any undecryptable request, never a crash.
    /// </summary>
    [Fact]
    public async Task An_envelope_the_token_cannot_open_is_a_scep_failure()
    {
        var ra = connector.Http.CaCerts.Single(c => c.GetBasicConstraints() < 0);
        var other = ScepHttpClient.NewKey();
        var generator = new Org.BouncyCastle.X509.X509V3CertificateGenerator();
        generator.SetSerialNumber(ra.SerialNumber);
        generator.SetIssuerDN(ra.IssuerDN);
        generator.SetSubjectDN(ra.SubjectDN);
        generator.SetNotBefore(ra.NotBefore);
        generator.SetNotAfter(ra.NotAfter);
        generator.SetPublicKey(other.Public);
        var impostor = generator.Generate(new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("SHA256WITHRSA", other.Private));

        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=hsm-undecryptable");
        var message = new ScepClient(impostor).PkcsReq(ScepClient.CreateCsr(key, "CN=hsm-undecryptable", connector.Challenge("CN=hsm-undecryptable")), signer, key.Private);
        var (status, body) = await connector.Http.PostAsync(message.Bytes);
        Assert.Equal(200, status);
        var reply = connector.Http.Decode(body, signer, key);
        Assert.Equal(ScepPkiStatus.Failure, reply.Status);
        Assert.Equal(ScepFailInfo.BadMessageCheck, reply.FailInfo);
        Assert.False(connector.Process.HasExited);
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
