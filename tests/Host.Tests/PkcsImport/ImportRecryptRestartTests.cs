using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CertConnector.Host.Tests.PkcsImport;

/// <summary>
/// Import and recrypt on one instance (SQLite): killed (SIGKILL) mid-flight and started again on the same files, every request
/// finishes once; and an instance without the connector key says so in status and fails its imports without losing them.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ImportRecryptRestartTests
{
    private const int Count = 20; // of each

    [Fact]
    public async Task Killed_mid_flight_every_import_and_recrypt_finishes_once_after_a_restart()
    {
        var dir = Tools.TempDir("import-restart");
        var data = Path.Combine(dir, "data");
        var settings = new Dictionary<string, string>
        {
            ["PkcsImport:BatchSize"] = "2", ["PkcsImport:MaxInFlight"] = "2", ["PkcsImport:PollInterval"] = "00:00:01",
            ["Recrypt:BatchSize"] = "2", ["Recrypt:MaxInFlight"] = "2", ["Recrypt:PollInterval"] = "00:00:01",
        };
        var password = $"restart-pfx-{Guid.NewGuid():N}";
        var secret = $"restart-payload-{Guid.NewGuid():N}";
        var (pfx, deviceKey, deviceCert) = ImportRecryptMaterial.UserPfxAndDevice(dir, password);

        using (var first = ConnectorProcess.Start(data, settings))
        {
            var encrypted = File.ReadAllBytes(ImportRecryptMaterial.EncryptPassword(dir, first.Cli("key", "export-public").Stdout, password, "oaepSha512"));
            var payload = File.ReadAllBytes(ImportRecryptMaterial.Envelope(dir, first.Cli("key", "export-cert").Stdout, Encoding.ASCII.GetBytes(secret), oaep: true));
            using var http = Admin(first);
            for (var i = 0; i < Count; i++)
            {
                (await http.PostAsJsonAsync("/api/v1/pkcs-import/requests", new
                {
                    pfx = Convert.ToBase64String(File.ReadAllBytes(pfx)), encryptedPassword = Convert.ToBase64String(encrypted), paddingScheme = "oaepSha512",
                    userPrincipalName = $"user{i}@contoso.example", deviceCertificate = File.ReadAllText(deviceCert), requestId = $"i-{i:D2}",
                })).EnsureSuccessStatusCode();
                (await http.PostAsJsonAsync("/api/v1/recrypt/requests", new
                {
                    payload = Convert.ToBase64String(payload), recipientCertificate = File.ReadAllText(deviceCert), requestId = $"r-{i:D2}",
                })).EnsureSuccessStatusCode();
            }
            first.WaitUntil(() => Results(data, "pfx_import_results") + Results(data, "recrypt_results") >= 4, TimeSpan.FromSeconds(120), "the first results");
            first.Kill();
        }
        Assert.True(Results(data, "pfx_import_results") + Results(data, "recrypt_results") < 2 * Count, "the kill must land while requests are still being processed");

        using var second = ConnectorProcess.Start(data, settings);
        second.WaitUntil(() => Results(data, "pfx_import_results") == Count && Results(data, "recrypt_results") == Count, TimeSpan.FromSeconds(180),
            "every import and recrypt to finish");

        using (var http = Admin(second))
            for (var i = 0; i < Count; i++)
            {
                var import = await http.GetFromJsonAsync<JsonElement>($"/api/v1/pkcs-import/requests/i-{i:D2}");
                Assert.Equal("Completed", import.GetProperty("queueStatus").GetString());
                Assert.Equal(["Downloaded", "Reencrypted", "Uploaded"], Events(import));
                Assert.True(import.GetProperty("uploadCount").GetInt32() is 1 or 2);
                var recrypt = await http.GetFromJsonAsync<JsonElement>($"/api/v1/recrypt/requests/r-{i:D2}");
                Assert.Equal("Completed", recrypt.GetProperty("queueStatus").GetString());
                Assert.Equal(["Downloaded", "Decrypted", "Reencrypted", "Uploaded"], Events(recrypt));
                Assert.True(recrypt.GetProperty("uploadCount").GetInt32() is 1 or 2);
            }

        // What was delivered opens: every password, every payload.
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "standalone.db")};Mode=ReadOnly");
        db.Open();
        foreach (var (sql, expected) in new[]
                 {
                     ("SELECT encrypted_password FROM pfx_import_results", Encoding.UTF8.GetBytes(password)),
                     ("SELECT encrypted_payload FROM recrypt_results", Encoding.ASCII.GetBytes(secret)),
                 })
        {
            using var command = db.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read()) Assert.Equal(expected, ImportRecryptMaterial.Decrypt(dir, (byte[])reader.GetValue(0), deviceKey, deviceCert));
        }

        var files = DataDirSecretScan.StandaloneDatabase(data).Concat(DataDirSecretScan.Journal(data)).Concat(DataDirSecretScan.Logs(data)).ToList();
        Assert.Empty(DataDirSecretScan.Find(files, [password, secret]));
    }

    [Fact]
    public void An_instance_without_the_connector_key_warns_in_status_and_fails_its_imports_after_the_retries()
    {
        var dir = Tools.TempDir("no-key");
        using var connector = ConnectorProcess.Start(Path.Combine(dir, "data"), new Dictionary<string, string>
        {
            ["ConnectorKey:Generate"] = "false", ["PkcsImport:MaxAttempts"] = "2", ["PkcsImport:RetryBaseDelay"] = "00:00:00.200",
        });
        var status = connector.Cli("status");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("warning: This instance has the role(s) pkcs-import, recrypt but no connector key", status.Stderr);
        var cluster = connector.Cli("cluster", "show");
        Assert.Contains("has the pkcs-import or recrypt role but no connector key", cluster.Stderr);
        var export = connector.Cli("key", "export-public");
        Assert.Equal(1, export.ExitCode);
        Assert.Contains("no connector key", export.Stderr);

        var (pfx, _, deviceCert) = ImportRecryptMaterial.UserPfxAndDevice(dir, "pw");
        var encrypted = Path.Combine(dir, "password.enc");
        File.WriteAllText(encrypted, Convert.ToBase64String(new byte[384]));
        Assert.Equal(0, connector.Cli("pkcs-import", "request", "--pfx", pfx, "--encrypted-password", encrypted, "--padding", "oaepSha256",
            "--upn", "dave@contoso.example", "--device-cert", deviceCert, "--request-id", "no-key-1").ExitCode);
        JsonElement shown = default;
        connector.WaitUntil(() =>
        {
            var show = connector.Cli("pkcs-import", "show", "no-key-1");
            shown = show.ExitCode == 0 ? show.Json : default;
            return shown.ValueKind == JsonValueKind.Object && shown.GetProperty("resultUploaded").GetBoolean();
        }, TimeSpan.FromSeconds(60), "the import to give up");
        Assert.Equal("ConnectorKeyUnavailable", shown.GetProperty("errorCode").GetString());
        Assert.Equal(["Downloaded", "FailedAttempt", "Failed", "Uploaded"], Events(shown));
    }

    private static HttpClient Admin(ConnectorProcess connector)
    {
        var http = new HttpClient { BaseAddress = new Uri(connector.AdminUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(connector.DataDir, "admin.token")).Trim());
        return http;
    }

    private static int Results(string data, string table)
    {
        var path = Path.Combine(data, "standalone.db");
        if (!File.Exists(path)) return 0;
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {table}";
        try
        {
            return Convert.ToInt32(cmd.ExecuteScalar());
        }
        catch (SqliteException)
        {
            return 0; // the table is not there yet
        }
    }

    private static string[] Events(JsonElement shown) =>
        [.. shown.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()!)];
}
