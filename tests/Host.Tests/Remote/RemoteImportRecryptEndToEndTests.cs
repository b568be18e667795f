using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>
/// PKCS import and recrypt in service-connected mode: a request queued in the emulator is processed by the same actors, its
/// result arrives at the emulator exactly once, and openssl opens it with the device's (or recipient's) key. The admin API's
/// import and recrypt POSTs answer 409.
/// </summary>
[Trait("Category", "Interop")]
public sealed class RemoteImportRecryptEndToEndTests(RemoteConnectorFixture fixture) : IClassFixture<RemoteConnectorFixture>
{
    private ServiceEmulator Emulator => fixture.Emulator;
    private ConnectorProcess Connector => fixture.Connector;

    [Fact]
    public void An_import_queued_in_the_service_arrives_once_and_the_device_decrypts_the_password_with_openssl()
    {
        var dir = Tools.TempDir("remote-import");
        var password = $"Remote-import-{Guid.NewGuid():N}"[..28];
        var (pfx, deviceKey, deviceCert) = ImportRecryptMaterial.UserPfxAndDevice(dir, password);
        var encrypted = ImportRecryptMaterial.EncryptPassword(dir, Cli("key", "export-public"), password, "oaepSha256");
        var id = $"ri-{Guid.NewGuid():N}";
        Emulator.EnqueueImport(new JsonObject
        {
            ["requestId"] = id,
            ["userPrincipalName"] = "alice@contoso.example",
            ["thumbprint"] = null,
            ["encryptedPfxBlob"] = Convert.ToBase64String(File.ReadAllBytes(pfx)),
            ["encryptedPfxPassword"] = Convert.ToBase64String(File.ReadAllBytes(encrypted)),
            ["paddingScheme"] = "oaepSha256",
            ["keyName"] = "alice-key",
            ["deviceCertificate"] = Der(dir, deviceCert),
        });

        var result = WaitForSingleResult(() => Emulator.ImportResults, "downloadPkcsImportRequests", id);

        Assert.True((bool)result["succeeded"]!, result.ToJsonString());
        var opened = ImportRecryptMaterial.Decrypt(dir, Convert.FromBase64String((string)result["encryptedPassword"]!), deviceKey, deviceCert);
        Assert.Equal(password, Encoding.UTF8.GetString(opened));
        var passFile = Path.Combine(dir, "password.out");
        File.WriteAllBytes(passFile, opened);
        Assert.Contains("CN=alice", Tools.OpenSsl("pkcs12", "-in", pfx, "-passin", $"file:{passFile}", "-nokeys", "-clcerts").Replace(" = ", "="));
        File.Delete(passFile);
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 2202)); // PkcsImportDownloadSuccess
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 2100)); // PkcsImportUploadSuccess
        AssertNotInDataDir(password);
    }

    [Fact]
    public void A_recrypt_queued_in_the_service_arrives_once_and_the_recipient_decrypts_the_payload_with_openssl()
    {
        var dir = Tools.TempDir("remote-recrypt");
        var secret = $"remote-recrypt-{Guid.NewGuid():N}";
        byte[] plain = [.. Encoding.ASCII.GetBytes(secret), 0, 1, 2, 255];
        var payload = ImportRecryptMaterial.Envelope(dir, Cli("key", "export-cert"), plain);
        var recipientCert = Tools.DeviceCertificateFile(dir, rsa: true);
        var id = $"rc-{Guid.NewGuid():N}";
        Emulator.EnqueueRecrypt(new JsonObject
        {
            ["requestId"] = id,
            ["encryptedPayload"] = Convert.ToBase64String(File.ReadAllBytes(payload)),
            ["recipientCertificate"] = Der(dir, recipientCert),
        });

        var result = WaitForSingleResult(() => Emulator.RecryptResults, "downloadRecryptRequests", id);

        Assert.True((bool)result["succeeded"]!, result.ToJsonString());
        var got = ImportRecryptMaterial.Decrypt(dir, Convert.FromBase64String((string)result["encryptedPayload"]!), Path.Combine(dir, "device.key"), recipientCert);
        Assert.Equal(plain, got);
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 1202)); // PkcsRecryptDownloadSuccess
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 1300)); // PkcsRecryptUploadSuccess
        AssertNotInDataDir(secret);
    }

    [Theory]
    [InlineData("/api/v1/pkcs-import/requests")]
    [InlineData("/api/v1/recrypt/requests")]
    public async Task The_import_and_recrypt_posts_answer_409_in_remote_mode(string route)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(Connector.DataDir, "admin.token")).Trim());

        using var response = await http.PostAsJsonAsync(Connector.AdminUrl + route, new { requestId = "nope-1" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("management service feeds the queue", await response.Content.ReadAsStringAsync());
        using var shown = await http.GetAsync(Connector.AdminUrl + route + "/nope-1"); // reading stays available; nothing was queued
        Assert.Equal(HttpStatusCode.NotFound, shown.StatusCode);
    }

    /// <summary>Waits for the result, then for three more downloads (none may bring a second upload); the one result.</summary>
    private JsonObject WaitForSingleResult(Func<IReadOnlyList<JsonObject>> results, string download, string id)
    {
        RemoteConnector.WaitFor(Connector, () => results().Any(r => (string)r["requestId"]! == id), $"the result of {id}");
        var downloads = Emulator.CallsTo(download).Count;
        RemoteConnector.WaitFor(Connector, () => Emulator.CallsTo(download).Count >= downloads + 3, "three more downloads");
        Assert.DoesNotContain(id, Emulator.DuplicateUploads);
        return Assert.Single(results(), r => (string)r["requestId"]! == id);
    }

    private string Cli(params string[] args)
    {
        var result = Connector.Cli(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private static string Der(string dir, string certPem)
    {
        var der = Path.Combine(dir, $"{Guid.NewGuid():N}.der");
        Tools.OpenSsl("x509", "-in", certPem, "-outform", "DER", "-out", der);
        return Convert.ToBase64String(File.ReadAllBytes(der));
    }

    private void AssertNotInDataDir(string secret)
    {
        var files = Directory.GetFiles(Connector.DataDir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "connector.lock").ToList();
        Assert.NotEmpty(files);
        Assert.Empty(DataDirSecretScan.Find(files, [secret]));
    }
}
