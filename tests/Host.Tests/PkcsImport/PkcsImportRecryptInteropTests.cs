using System.Formats.Asn1;
using System.Text;
using System.Text.Json;

namespace CertConnector.Host.Tests.PkcsImport;

/// <summary>
/// PKCS import and recrypt through the real process, its CLI and openssl: the password of a PFX made by openssl is encrypted
/// to the connector key (by openssl pkeyutl, or by <c>import encrypt-password</c>), the device decrypts the result with
/// <c>openssl cms</c> and opens the PFX with <c>openssl pkcs12</c>; a payload enveloped by <c>openssl cms -encrypt</c> to the
/// connector certificate reaches a new recipient. After each, neither the password nor the payload is in the data directory.
/// </summary>
public sealed class PkcsImportRecryptInteropTests(RunningConnector connector) : IClassFixture<RunningConnector>
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
        var dir = Tools.TempDir("pkcs-import");
        password += Guid.NewGuid().ToString("N")[..8]; // unique, for the scan
        var (pfx, deviceKey, deviceCert) = UserPfxAndDevice(dir, password);
        var encrypted = Path.Combine(dir, "password.enc");
        if (byCli)
        {
            var enc = Process.CliWithInput(password + "\n", "pkcs-import", "encrypt-password", "--padding", padding);
            Assert.True(enc.ExitCode == 0, enc.ToString());
            File.WriteAllText(encrypted, enc.Stdout);
        }
        else
        {
            encrypted = ImportRecryptMaterial.EncryptPassword(dir, Cli("key", "export-public").Stdout, password, padding);
        }

        var id = $"import-{Guid.NewGuid():N}";
        Cli("pkcs-import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", padding, "--upn", "alice@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        var shown = WaitUploaded("pkcs-import", id);
        Assert.Equal("Completed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal(["Downloaded", "Reencrypted", "Uploaded"], History(shown));
        Assert.Equal("pkcs-import", Assert.Single(Cli("requests", "show", id).Json.EnumerateArray()).GetProperty("feature").GetString());

        Cli("pkcs-import", "result", id, "--out", dir);
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
        var result = Process.CliWithInput("Пароль-1\n", "pkcs-import", "encrypt-password");
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
        Cli("pkcs-import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", padding, "--upn", "bob@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        var shown = WaitUploaded("pkcs-import", id);
        Assert.Equal("Failed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal("UnsupportedPadding", shown.GetProperty("errorCode").GetString());
        Assert.Equal(["Downloaded", "Failed", "Uploaded"], History(shown));
        Assert.Equal(1, shown.GetProperty("uploadCount").GetInt32());
        var result = Process.Cli("pkcs-import", "result", id, "--out", dir);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("UnsupportedPadding", result.Stderr);
    }

    [Fact]
    public void A_password_that_does_not_open_the_pfx_is_a_final_failure_with_one_upload_and_no_retry()
    {
        var dir = Tools.TempDir("import-mismatch");
        var (pfx, _, deviceCert) = UserPfxAndDevice(dir, "the-right-one");
        var enc = Process.CliWithInput("the-wrong-one", "pkcs-import", "encrypt-password", "--padding", "oaepSha384");
        Assert.True(enc.ExitCode == 0, enc.ToString());
        var encrypted = Path.Combine(dir, "password.enc");
        File.WriteAllText(encrypted, enc.Stdout);
        var id = $"mismatch-{Guid.NewGuid():N}";
        Cli("pkcs-import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", "oaepSha384", "--upn", "carol@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        var shown = WaitUploaded("pkcs-import", id);
        AssertFailedForGoodAndUploadedOnce(shown, "PfxPasswordMismatch");
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
            ["pkcs-import", "request", "--pfx", pfx, "--encrypted-password", password, "--upn", "eve@contoso.example", "--device-cert", device, "--request-id", requestId];
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

    [Theory]
    [InlineData("mac-iterations", "PfxIterationCountTooHigh")]
    [InlineData("-iter 600001", "PfxIterationCountTooHigh")]
    [InlineData("-nomac", "PfxWithoutMac")]
    [InlineData("-keypbe NONE", "PfxUnencryptedKey")]
    [InlineData("many-bags", "PfxTooManyBags")]
    [InlineData("oversized", "PfxTooLarge")]
    public void A_costly_or_unprotected_pfx_is_refused_naming_the_pfx_and_a_normal_import_queued_next_completes(string how, string code)
    {
        var dir = Tools.TempDir("import-bomb");
        var password = $"bomb-{Guid.NewGuid():N}";
        var (pfx, _, deviceCert) = UserPfxAndDevice(dir, password);
        var hostile = Path.Combine(dir, "hostile.p12");
        string[] Export(params string[] options) =>
            ["pkcs12", "-export", "-inkey", Path.Combine(dir, "user.key"), "-in", Path.Combine(dir, "user.crt"), "-passout", $"pass:{password}", "-out", hostile, .. options];
        switch (how)
        {
            case "mac-iterations": // openssl would spin for hours making it: its MAC's count is rewritten, the MAC left as it was
                File.WriteAllBytes(hostile, WithMacIterations(File.ReadAllBytes(pfx), 1_000_000_000));
                break;
            case "many-bags": // certificates in the clear, so their bags are counted before any derivation
                Tools.OpenSsl(Export("-certfile", ChainOf20(dir), "-certpbe", "NONE"));
                break;
            case "oversized":
                File.WriteAllBytes(hostile, [.. File.ReadAllBytes(pfx), .. new byte[64 * 1024]]);
                break;
            default:
                Tools.OpenSsl(Export(how.Split(' ')));
                break;
        }
        var encrypted = ImportRecryptMaterial.EncryptPassword(dir, Cli("key", "export-public").Stdout, password, "oaepSha256");
        string[] Import(string file, string requestId) =>
            ["pkcs-import", "request", "--pfx", file, "--encrypted-password", encrypted, "--padding", "oaepSha256", "--upn", "mallory@contoso.example",
                "--device-cert", deviceCert, "--request-id", requestId];

        var refusedId = $"bomb-{Guid.NewGuid():N}";
        var refused = Process.Cli(Import(hostile, refusedId));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("(field: pfx)", refused.Stderr);
        Assert.Contains(code, refused.Stderr);
        Assert.Equal(1, Process.Cli("requests", "show", refusedId).ExitCode); // never queued, so never journaled

        var id = $"after-bomb-{Guid.NewGuid():N}";
        Cli(Import(pfx, id));
        Assert.Equal("Completed", WaitUploaded("pkcs-import", id).GetProperty("queueStatus").GetString());
    }

    [Fact]
    public void Bags_hidden_in_encrypted_contents_are_counted_once_decrypted_a_final_failure_uploaded_once()
    {
        var dir = Tools.TempDir("import-bags");
        var password = $"bags-{Guid.NewGuid():N}";
        var (_, _, deviceCert) = UserPfxAndDevice(dir, password);
        var pfx = Path.Combine(dir, "bags.p12");
        Tools.OpenSsl("pkcs12", "-export", "-inkey", Path.Combine(dir, "user.key"), "-in", Path.Combine(dir, "user.crt"), "-certfile", ChainOf20(dir),
            "-passout", $"pass:{password}", "-out", pfx);
        var encrypted = ImportRecryptMaterial.EncryptPassword(dir, Cli("key", "export-public").Stdout, password, "oaepSha256");
        var id = $"bags-{Guid.NewGuid():N}";
        Cli("pkcs-import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", "oaepSha256", "--upn", "mallory@contoso.example",
            "--device-cert", deviceCert, "--request-id", id);
        AssertFailedForGoodAndUploadedOnce(WaitUploaded("pkcs-import", id), "PfxTooManyBags");
    }

    private static void AssertFailedForGoodAndUploadedOnce(JsonElement shown, string code)
    {
        Assert.Equal("Failed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal(code, shown.GetProperty("errorCode").GetString());
        Assert.Equal(0, shown.GetProperty("attempts").GetInt32());
        Assert.Equal(["Downloaded", "Failed", "Uploaded"], History(shown));
        Assert.Equal(1, shown.GetProperty("uploadCount").GetInt32());
    }

    /// <summary>A PEM file with the user's certificate 20 times (openssl keeps each as its own bag).</summary>
    private static string ChainOf20(string dir)
    {
        var chain = Path.Combine(dir, "chain.pem");
        File.WriteAllText(chain, string.Concat(Enumerable.Repeat(File.ReadAllText(Path.Combine(dir, "user.crt")), 20)));
        return chain;
    }

    /// <summary>The PFX with its MacData's iteration count replaced (the MAC no longer matches; nothing may get as far as checking it).</summary>
    private static byte[] WithMacIterations(byte[] pfx, long iterations)
    {
        var outer = new AsnReader(pfx, AsnEncodingRules.BER).ReadSequence();
        var version = outer.ReadEncodedValue();
        var authSafe = outer.ReadEncodedValue();
        var mac = outer.ReadSequence();
        var digest = mac.ReadEncodedValue();
        var salt = mac.ReadEncodedValue();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(version.Span);
            writer.WriteEncodedValue(authSafe.Span);
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(digest.Span);
                writer.WriteEncodedValue(salt.Span);
                writer.WriteInteger(iterations);
            }
        }
        return writer.Encode();
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
