using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CertConnector.Host.Tests.Admin;

/// <summary>
/// A real restart: the host is killed (SIGKILL) while requests are being processed and started again on
/// the same SQLite files. Every request completes; none is issued or delivered twice.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RestartTests
{
    [Fact]
    public void Killed_mid_processing_every_request_completes_once_after_a_restart()
    {
        var dir = Tools.TempDir("restart");
        var data = Path.Combine(dir, "data");
        var deviceCert = Tools.DeviceCertificateFile(dir, rsa: true);
        var ids = Enumerable.Range(0, 8).Select(i => $"restart-{i}").ToList();

        using (var first = ConnectorProcess.Start(data))
        {
            foreach (var id in ids) // rsa:4096 keys take long enough to catch requests mid-pipeline
                Assert.Equal(0, first.Cli("pkcs", "request", "--subject", $"CN={id}", "--device-cert", deviceCert, "--key", "rsa:4096", "--request-id", id).ExitCode);
            first.WaitUntil(() => CompletedCount(data) >= 1, TimeSpan.FromSeconds(120), "the first request to complete");
            first.Kill();
        }
        var completedBeforeRestart = CompletedCount(data);
        Assert.True(completedBeforeRestart < ids.Count, "the kill must land while requests are still being processed");

        using var second = ConnectorProcess.Start(data);
        foreach (var id in ids) second.WaitForQueueStatus(id, "Completed", TimeSpan.FromSeconds(180));

        foreach (var id in ids)
        {
            var show = second.Show(id);
            var history = show.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()).ToList();
            Assert.Equal(1, history.Count(e => e == "Downloaded"));
            Assert.Equal(1, history.Count(e => e == "Issued"));
            Assert.Equal(1, history.Count(e => e == "Uploaded"));
            Assert.Equal("Uploaded", show.GetProperty("state").GetString());
        }

        // One result per request reached the service. Delivery is at-least-once with an idempotent receiver:
        // a kill between the service's commit and our journal write makes the restarted actor upload again,
        // which the service records as a repeat of the same result (never a second, different one).
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "standalone.db")};Mode=ReadOnly");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT request_id, upload_count FROM pkcs_results";
        var uploads = new Dictionary<string, long>();
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) uploads[reader.GetString(0)] = reader.GetInt64(1);
        Assert.Equal(ids.OrderBy(i => i), uploads.Keys.OrderBy(i => i));
        Assert.All(uploads, kv => Assert.True(kv.Value <= 2, $"{kv.Key} was uploaded {kv.Value} times"));
        Assert.True(uploads.Values.Count(v => v > 1) <= 1, "at most the one request caught between upload and journal write is repeated");

        // Remember-entities resumed the unfinished requests; the queue may hand a request out again after the restart
        // (the instance takes back its own leases at start), but no request was downloaded more than once per run.
        using var deliveries = db.CreateCommand();
        deliveries.CommandText = "SELECT request_id, delivery_count FROM pkcs_requests";
        using var rows = deliveries.ExecuteReader();
        while (rows.Read()) Assert.True(rows.GetInt64(1) <= 2, $"{rows.GetString(0)} was downloaded {rows.GetInt64(1)} times in two runs");
    }

    [Fact]
    public void Ctrl_c_stops_cleanly_and_a_second_start_reuses_the_ca_and_token()
    {
        var data = Path.Combine(Tools.TempDir("reuse"), "data");
        string caFirst, token;
        using (var first = ConnectorProcess.Start(data))
        {
            caFirst = first.Cli("ca", "cert").Stdout;
            token = File.ReadAllText(Path.Combine(data, "admin.token"));
            Assert.Equal(0, first.Interrupt(TimeSpan.FromSeconds(30)));
            Assert.Contains("Exiting completed", first.Output);
        }
        using var second = ConnectorProcess.Start(data);
        Assert.Equal(caFirst, second.Cli("ca", "cert").Stdout);
        Assert.Equal(token, File.ReadAllText(Path.Combine(data, "admin.token")));
        Assert.Equal(Convert.ToString(Convert.ToInt32("600", 8), 8), Convert.ToString((int)File.GetUnixFileMode(Path.Combine(data, "admin.token")), 8));
    }

    private static int CompletedCount(string data)
    {
        var path = Path.Combine(data, "standalone.db");
        if (!File.Exists(path)) return 0;
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM pkcs_results";
        return Convert.ToInt32(cmd.ExecuteScalar());
    }
}
