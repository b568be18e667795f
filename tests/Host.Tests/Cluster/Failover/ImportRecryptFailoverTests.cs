using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CertConnector.Host.Tests.Cluster.Failover;

/// <summary>
/// Two real instances with the PKCS import and recrypt roles (and a third without them) on one PostgreSQL database. Imports and recrypts are queued
/// through both; one instance is killed (SIGKILL) mid-flight and restarted. Every import and recrypt finishes once, with the
/// same connector key on both instances: the device decrypts every password (and it opens the PFX), the recipient every
/// payload, with openssl; neither the password nor the payload is anywhere in the shared database or the logs.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
[Collection(ConnectorCluster.Collection)]
public sealed class ImportRecryptFailoverTests
{
    private const int Count = 16; // of each

    private static readonly Dictionary<string, string> Settings = new()
    {
        // Small batches and little in flight: the work stays spread over time, so the kill lands in the middle of it.
        ["PkcsImport:PollInterval"] = "00:00:01", ["PkcsImport:BatchSize"] = "2", ["PkcsImport:MaxInFlight"] = "2",
        ["Recrypt:PollInterval"] = "00:00:01", ["Recrypt:BatchSize"] = "2", ["Recrypt:MaxInFlight"] = "2",
    };

    [Fact]
    public async Task Kill_9_of_one_instance_mid_flight_every_import_and_recrypt_finishes_once()
    {
        using var cluster = new ConnectorCluster("import_failover", Settings);
        var a = cluster.Add("a", pkcs: false, scep: false, revocation: false);
        var b = cluster.Add("b", pkcs: false, scep: false, revocation: false);
        // A third member without the roles: with keep-majority, two members that lose each other keep the one with the lower
        // address, which would down the survivor half of the time. Three keep the two that still see each other.
        var c = cluster.Add("c", pkcs: false, scep: false, revocation: false, pkcsImport: false, recrypt: false);
        a.Start();
        b.Start();
        c.Start();
        cluster.WaitUntilUp(a, [a, b, c], TimeSpan.FromSeconds(90));
        var all = new[] { a, b };

        // One connector key for the cluster: both instances report the same one.
        var keyA = a.Cli("key", "show").Json.GetProperty("fingerprint").GetString();
        Assert.Equal(keyA, b.Cli("key", "show").Json.GetProperty("fingerprint").GetString());
        var view = a.Cli("cluster", "show", "--json").Json;
        Assert.All(view.GetProperty("members").EnumerateArray(), m => Assert.Equal(keyA![..16], m.GetProperty("connectorKey").GetString()));
        Assert.Empty(view.GetProperty("warnings").EnumerateArray());

        var password = $"failover-pfx-{Guid.NewGuid():N}";
        var secret = $"failover-payload-{Guid.NewGuid():N}";
        var (pfx, deviceKey, deviceCert) = ImportRecryptMaterial.UserPfxAndDevice(cluster.Dir, password);
        var encrypted = File.ReadAllBytes(ImportRecryptMaterial.EncryptPassword(cluster.Dir, b.Cli("key", "export-public").Stdout, password, "oaepSha256"));
        var content = Encoding.ASCII.GetBytes(secret);
        var payload = File.ReadAllBytes(ImportRecryptMaterial.Envelope(cluster.Dir, a.Cli("key", "export-cert").Stdout, content));
        var devicePem = File.ReadAllText(deviceCert);
        var pfxBase64 = Convert.ToBase64String(File.ReadAllBytes(pfx));

        // Posted four pairs at a time, so a backlog builds and both workers hold leases (each at most MaxInFlight = 2 per feature). b is
        // killed once a feature has 3 or more leased, unfinished rows: a holds at most 2 of them, so b holds at least one. Posting
        // one request after the other let every request finish before any kill on a fast machine (CI), testing nothing.
        var posting = Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            await ClusterRequests.PostAsync(all, i % 2, "/api/v1/pkcs-import/requests", new
            {
                pfx = pfxBase64, encryptedPassword = Convert.ToBase64String(encrypted), paddingScheme = "oaepSha256",
                userPrincipalName = $"user{i}@contoso.example", deviceCertificate = devicePem, requestId = $"i-{i:D2}",
            });
            await ClusterRequests.PostAsync(all, (i + 1) % 2, "/api/v1/recrypt/requests", new
            {
                payload = Convert.ToBase64String(payload), recipientCertificate = devicePem, requestId = $"r-{i:D2}",
            });
        });

        static string Leased(string table) => $"SELECT count(*) FROM {table} WHERE leased_by IS NOT NULL AND completed_at IS NULL";
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (cluster.Count(Leased("pfx_import_requests")) < 3 && cluster.Count(Leased("recrypt_requests")) < 3)
        {
            Assert.True(DateTime.UtcNow < deadline && !(posting.IsCompleted && Done(cluster) >= 2 * Count),
                "the kill must land while both instances hold leased requests");
            await Task.Delay(10);
        }
        b.Kill();
        Assert.True(Done(cluster) < 2 * Count, "the kill must land while requests are still being processed");
        await posting; // the rest goes to a (ClusterRequests skips a node that is not running)
        cluster.WaitUntilUp(a, [a, c], TimeSpan.FromSeconds(90));
        b.Start();
        cluster.WaitUntilUp(a, [a, b, c], TimeSpan.FromSeconds(90));

        try
        {
            await ConnectorCluster.WaitForAsync(() => cluster.Count("SELECT count(*) FROM pfx_import_requests WHERE completed_at IS NULL") == 0
                                                                && cluster.Count("SELECT count(*) FROM recrypt_requests WHERE completed_at IS NULL") == 0,
                TimeSpan.FromMinutes(3), "every import and recrypt to complete", cluster);
        }
        catch (TimeoutException e)
        {
            // Which requests are stuck, where: their queue rows and what their actors say.
            var stuck = cluster.Rows("SELECT request_id, leased_by, lease_expires_at, delivery_count FROM pfx_import_requests WHERE completed_at IS NULL " +
                                     "UNION ALL SELECT request_id, leased_by, lease_expires_at, delivery_count FROM recrypt_requests WHERE completed_at IS NULL");
            var views = new List<string>();
            using var admin = a.Admin();
            foreach (var row in stuck.Take(5))
            {
                var id = (string)row[0]!;
                try { views.Add(await admin.GetStringAsync($"/api/v1/{(id.StartsWith("i-") ? "pkcs-import" : "recrypt")}/requests/{id}")); }
                catch (Exception ask) { views.Add($"{id}: {ask.Message}"); }
            }
            throw new TimeoutException($"{stuck.Count} unfinished: {string.Join("; ", stuck.Select(r => string.Join(",", r)))}\n{string.Join("\n", views)}\n{e.Message}", e);
        }

        // One successful result each, delivered at most twice (a kill between the service's commit and the journal write).
        foreach (var (table, column, prefix) in new[] { ("pfx_import_results", "encrypted_password", "i-"), ("recrypt_results", "encrypted_payload", "r-") })
        {
            var rows = cluster.Rows($"SELECT request_id, succeeded, {column}, upload_count FROM {table}");
            Assert.Equal(Enumerable.Range(0, Count).Select(i => $"{prefix}{i:D2}"), rows.Select(r => (string)r[0]!).Order());
            Assert.All(rows, r => Assert.True(Convert.ToInt64(r[1]) == 1, $"{r[0]} failed"));
            Assert.All(rows, r => Assert.True(Convert.ToInt64(r[3]) is 1 or 2, $"{r[0]} uploaded {r[3]} times"));
            foreach (var row in rows)
            {
                var opened = ImportRecryptMaterial.Decrypt(cluster.Dir, (byte[])row[2]!, deviceKey, deviceCert);
                Assert.Equal(prefix == "i-" ? Encoding.UTF8.GetBytes(password) : content, opened);
            }
        }

        // Each request's journal: one of each step, whichever instance ran it.
        using var http = a.Admin();
        for (var i = 0; i < Count; i++)
        {
            var import = await ShowAsync(http, $"/api/v1/pkcs-import/requests/i-{i:D2}");
            Assert.Equal(["Downloaded", "Reencrypted", "Uploaded"], Events(import));
            var recrypt = await ShowAsync(http, $"/api/v1/recrypt/requests/r-{i:D2}");
            Assert.Equal(["Downloaded", "Decrypted", "Reencrypted", "Uploaded"], Events(recrypt));
        }

        // The device opens the PFX with what it got.
        var got = Path.Combine(cluster.Dir, "got.pass");
        File.WriteAllBytes(got, ImportRecryptMaterial.Decrypt(cluster.Dir, (byte[])cluster.Rows("SELECT encrypted_password FROM pfx_import_results LIMIT 1")[0][0]!,
            deviceKey, deviceCert));
        Assert.Contains("CN", Tools.OpenSsl("pkcs12", "-in", pfx, "-passin", $"file:{got}", "-nokeys"));
        File.Delete(got);

        Assert.Empty(DataDirSecretScan.FindInPostgres(cluster.Database.ConnectionString, [password, secret]));
        Assert.Empty(DataDirSecretScan.Find(cluster.Nodes.SelectMany(n => DataDirSecretScan.Logs(n.DataDir)), [password, secret]));
    }

    /// <summary>A show answers 503 while the request's actor cannot answer in time (its shard is moving back to the restarted
    /// instance): asked again, as an operator would, for up to 30 s; any other status fails at once.</summary>
    private static async Task<JsonElement> ShowAsync(HttpClient http, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await http.GetAsync(path);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
                return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>())!;
            await Task.Delay(500);
        }
    }

    private static long Done(ConnectorCluster cluster) =>
        cluster.Count("SELECT count(*) FROM pfx_import_results") + cluster.Count("SELECT count(*) FROM recrypt_results");

    private static string[] Events(JsonElement shown) =>
        [.. shown.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()!)];
}
