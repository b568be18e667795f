using System.Text;
using System.Text.Json;

namespace CertConnector.Host.Tests;

/// <summary>
/// PKCS import and recrypt through the real process, its CLI and openssl: the password of a PFX made by openssl is encrypted
/// to the connector key (by openssl pkeyutl, or by <c>import encrypt-password</c>), the device decrypts the result with
/// <c>openssl cms</c> and opens the PFX with <c>openssl pkcs12</c>; a payload enveloped by <c>openssl cms -encrypt</c> to the
/// connector certificate reaches a new recipient. After each, neither the password nor the payload is in the data directory.
/// </summary>
public sealed class PfxImportRecryptInteropTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private ConnectorProcess Process => connector.Process;

    [Theory]
    [InlineData("oaepSha256", false, "S3cret-pfx pass!")]
    [InlineData("oaepSha384", false, "S3cret-pfx pass!")]
    [InlineData("oaepSha512", false, "S3cret-pfx pass!")]
    [InlineData("oaepSha256", true, "Grüße-été ÿ!")] // Latin-1 beyond ASCII, through the import conversion
    [InlineData("oaepSha512", true, "plain-ascii-42")]
    public void Import_the_device_decrypts_the_password_with_openssl_and_it_opens_the_pfx(string padding, bool byCli, string password)
    {
        var dir = Tools.TempDir("import");
        password += Guid.NewGuid().ToString("N")[..8]; // unique, for the scan
        var (pfx, deviceKey, deviceCert) = UserPfxAndDevice(dir, password);
        var encrypted = Path.Combine(dir, "password.enc");
        if (byCli)
        {
            var enc = Process.CliWithInput(password + "\n", "import", "encrypt-password", "--padding", padding);
            Assert.True(enc.ExitCode == 0, enc.ToString());
            File.WriteAllText(encrypted, enc.Stdout);
        }
        else
        {
            encrypted = ImportRecryptMaterial.EncryptPassword(dir, Cli("key", "export-public").Stdout, password, padding);
        }

        var id = $"import-{Guid.NewGuid():N}";
        Cli("import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", padding, "--upn", "alice@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        var shown = WaitUploaded("import", id);
        Assert.Equal("Completed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal(["Downloaded", "Reencrypted", "Uploaded"], History(shown));
        Assert.Equal("import", Assert.Single(Cli("requests", "show", id).Json.EnumerateArray()).GetProperty("feature").GetString());

        Cli("import", "result", id, "--out", dir);
        var decrypted = Path.Combine(dir, "password.out");
        Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", Path.Combine(dir, id + ".password.cms"), "-inkey", deviceKey, "-recip", deviceCert, "-out", decrypted);
        Assert.Equal(password, File.ReadAllText(decrypted, Encoding.UTF8));
        var opened = Tools.OpenSsl("pkcs12", "-in", pfx, "-passin", $"file:{decrypted}", "-nokeys", "-clcerts");
        Assert.Contains("CN=alice", opened.Replace(" = ", "="));
        File.Delete(decrypted);

        AssertNotInDataDir(password);
    }

    [Fact]
    public void A_password_with_a_non_Latin1_character_is_refused_with_a_clear_message()
    {
        var result = Process.CliWithInput("Пароль-1\n", "import", "encrypt-password");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("U+041F", result.Stderr);
        Assert.Contains("not a Latin-1 character", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("pkcs1")]
    [InlineData("oaepSha1")]
    public void Pkcs1_v15_and_oaep_sha1_are_final_failures_uploaded_once(string padding)
    {
        var dir = Tools.TempDir("import-padding");
        var (pfx, _, deviceCert) = UserPfxAndDevice(dir, "whatever-1");
        var encrypted = Path.Combine(dir, "password.enc");
        File.WriteAllText(encrypted, Convert.ToBase64String(new byte[384]));
        var id = $"padding-{Guid.NewGuid():N}";
        Cli("import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", padding, "--upn", "bob@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        var shown = WaitUploaded("import", id);
        Assert.Equal("Failed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal("UnsupportedPadding", shown.GetProperty("errorCode").GetString());
        Assert.Equal(["Downloaded", "Failed", "Uploaded"], History(shown));
        Assert.Equal(1, shown.GetProperty("uploadCount").GetInt32());
        var result = Process.Cli("import", "result", id, "--out", dir);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("UnsupportedPadding", result.Stderr);
    }

    [Fact]
    public void A_password_that_does_not_open_the_pfx_is_a_final_failure_with_one_upload_and_no_retry()
    {
        var dir = Tools.TempDir("import-mismatch");
        var (pfx, _, deviceCert) = UserPfxAndDevice(dir, "the-right-one");
        var enc = Process.CliWithInput("the-wrong-one", "import", "encrypt-password", "--padding", "oaepSha384");
        Assert.True(enc.ExitCode == 0, enc.ToString());
        var encrypted = Path.Combine(dir, "password.enc");
        File.WriteAllText(encrypted, enc.Stdout);
        var id = $"mismatch-{Guid.NewGuid():N}";
        Cli("import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", "oaepSha384", "--upn", "carol@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        var shown = WaitUploaded("import", id);
        Assert.Equal("Failed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal("PfxPasswordMismatch", shown.GetProperty("errorCode").GetString());
        Assert.Equal(0, shown.GetProperty("attempts").GetInt32());
        Assert.Equal(["Downloaded", "Failed", "Uploaded"], History(shown));
        Assert.Equal(1, shown.GetProperty("uploadCount").GetInt32());
        Assert.Contains("does not open the PFX", shown.GetProperty("failure").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Recrypt_an_openssl_envelope_to_the_connector_certificate_reaches_the_recipient(bool oaep)
    {
        var dir = Tools.TempDir("recrypt");
        var connectorCert = Path.Combine(dir, "connector.crt");
        File.WriteAllText(connectorCert, Cli("key", "export-cert").Stdout);
        var caCert = Path.Combine(dir, "ca.crt");
        File.WriteAllText(caCert, Cli("ca", "cert").Stdout);
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", caCert, connectorCert)); // issued by the CA

        var secret = $"recrypt-payload-{Guid.NewGuid():N}";
        var plain = Path.Combine(dir, "payload.bin");
        File.WriteAllBytes(plain, [.. Encoding.ASCII.GetBytes(secret), 0, 1, 2, 255, .. Encoding.ASCII.GetBytes(secret)]);
        var payload = ImportRecryptMaterial.Envelope(dir, File.ReadAllText(connectorCert), File.ReadAllBytes(plain), oaep);
        var recipientCert = Tools.DeviceCertificateFile(dir, rsa: true);

        var id = $"recrypt-{Guid.NewGuid():N}";
        Cli("recrypt", "request", "--payload", payload, "--recipient-cert", recipientCert, "--request-id", id);
        var shown = WaitUploaded("recrypt", id);
        Assert.Equal("Completed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal(["Downloaded", "Decrypted", "Reencrypted", "Uploaded"], History(shown));
        var found = Assert.Single(Cli("requests", "show", id).Json.EnumerateArray());
        Assert.Equal("recrypt", found.GetProperty("feature").GetString());
        Assert.Contains(Cli("requests", "list", "--feature", "recrypt").Json.EnumerateArray(), r => r.GetProperty("requestId").GetString() == id);

        Cli("recrypt", "result", id, "--out", dir);
        var got = Path.Combine(dir, "got.bin");
        Tools.OpenSsl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", Path.Combine(dir, id + ".payload.cms"), "-inkey", Path.Combine(dir, "device.key"),
            "-recip", recipientCert, "-out", got);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(got));

        AssertNotInDataDir(secret);
    }

    [Fact]
    public void A_payload_not_addressed_to_the_connector_key_fails_decrypting_for_good()
    {
        var dir = Tools.TempDir("recrypt-foreign");
        var other = Tools.DeviceCertificateFile(dir, rsa: true);
        var plain = Path.Combine(dir, "payload.bin");
        File.WriteAllText(plain, "not for the connector");
        var payload = Path.Combine(dir, "payload.cms");
        Tools.OpenSsl("cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", plain, "-out", payload, "-recip", other);
        var id = $"foreign-{Guid.NewGuid():N}";
        Cli("recrypt", "request", "--payload", payload, "--recipient-cert", other, "--request-id", id);
        var shown = WaitUploaded("recrypt", id);
        Assert.Equal("Failed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal("BadPayload", shown.GetProperty("errorCode").GetString());
        Assert.Equal("Decrypt", shown.GetProperty("failedStage").GetString());
        Assert.Equal(["Downloaded", "Failed", "Uploaded"], History(shown));
    }

    [Theory]
    [InlineData("import-device")]
    [InlineData("import-id")]
    [InlineData("import-password")]
    [InlineData("recrypt-payload")]
    [InlineData("recrypt-recipient")]
    public void Bad_input_is_refused_naming_the_field_and_queues_nothing(string which)
    {
        var dir = Tools.TempDir("import-bad");
        var (pfx, _, deviceCert) = UserPfxAndDevice(dir, "pw");
        var garbage = Path.Combine(dir, "garbage.crt");
        File.WriteAllText(garbage, "not a certificate");
        var empty = Path.Combine(dir, "empty.bin");
        File.WriteAllBytes(empty, []);
        var encrypted = Path.Combine(dir, "password.enc");
        File.WriteAllText(encrypted, Convert.ToBase64String(new byte[384]));
        var id = $"bad-{Guid.NewGuid():N}";
        string[] Import(string device, string password, string requestId) =>
            ["import", "request", "--pfx", pfx, "--encrypted-password", password, "--upn", "eve@contoso.example", "--device-cert", device, "--request-id", requestId];
        var (args, field) = which switch
        {
            "import-device" => (Import(garbage, encrypted, id), "deviceCertificate"),
            "import-id" => (Import(deviceCert, encrypted, "bad id!"), "requestId"),
            "import-password" => (Import(deviceCert, empty, id), "encryptedPassword"),
            "recrypt-payload" => (new[] { "recrypt", "request", "--payload", empty, "--recipient-cert", deviceCert, "--request-id", id }, "payload"),
            _ => (new[] { "recrypt", "request", "--payload", encrypted, "--recipient-cert", garbage, "--request-id", id }, "recipientCertificate"),
        };
        var result = Process.Cli(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"(field: {field})", result.Stderr);
        Assert.Equal(1, Process.Cli("requests", "show", id).ExitCode); // nothing was queued
    }

    [Fact]
    public void The_public_key_is_the_certificates_and_openssl_reads_it()
    {
        var dir = Tools.TempDir("key");
        var pub = Path.Combine(dir, "pub.pem");
        var cert = Path.Combine(dir, "cert.pem");
        File.WriteAllText(pub, Cli("key", "export-public").Stdout);
        File.WriteAllText(cert, Cli("key", "export-cert").Stdout);
        Assert.Contains("3072 bit", Tools.OpenSsl("pkey", "-pubin", "-in", pub, "-noout", "-text"));
        Assert.Equal(Tools.OpenSsl("pkey", "-pubin", "-in", pub), Tools.OpenSsl("x509", "-in", cert, "-noout", "-pubkey"));
        var status = Process.Cli("status");
        Assert.DoesNotContain("connector key", status.Stderr);
    }

    private static (string Pfx, string DeviceKey, string DeviceCert) UserPfxAndDevice(string dir, string password) =>
        ImportRecryptMaterial.UserPfxAndDevice(dir, password);

    private CliResult Cli(params string[] args)
    {
        var result = Process.Cli(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private JsonElement WaitUploaded(string feature, string requestId)
    {
        JsonElement shown = default;
        Process.WaitUntil(() =>
        {
            var show = Process.Cli(feature, "show", requestId);
            if (show.ExitCode != 0) return false;
            shown = show.Json;
            return shown.GetProperty("resultUploaded").GetBoolean() && shown.GetProperty("queueStatus").GetString() is "Completed" or "Failed";
        }, TimeSpan.FromSeconds(60), $"{feature} {requestId} uploaded");
        return shown;
    }

    private static string[] History(JsonElement shown) =>
        [.. shown.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()!)];

    private void AssertNotInDataDir(string secret)
    {
        var data = Process.DataDir;
        var files = DataDirSecretScan.StandaloneDatabase(data).Concat(DataDirSecretScan.Journal(data)).Concat(DataDirSecretScan.Logs(data)).ToList();
        Assert.Contains(files, File.Exists);
        Assert.Empty(DataDirSecretScan.Find(files, [secret]));
    }
}
