using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CertConnector.Host.Tests.Pkcs;

/// <summary>
/// kill -9 again and again while a PKCS burst is being downloaded and issued. After every restart each
/// unfinished request moves again within seconds (none waits out a lease its dead predecessor held), and in
/// the end every request has exactly one current certificate: a certificate issued just before a kill, whose
/// key died with the process, is recorded as superseded, never left looking like the request's certificate.
/// </summary>
[Trait("Category", "Slow")]
public sealed class KillDuringBurstTests
{
    private static readonly TimeSpan MoveDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Repeated_kill_9_during_a_burst_leaves_one_certificate_per_request_and_nothing_stalled()
    {
        var dir = Tools.TempDir("burst");
        var data = Path.Combine(dir, "data");
        var deviceCert = DeviceCertificate(dir);
        var ids = new List<string>();
        int[] killAfterMs = [0, 60, 250, 500];

        var connector = ConnectorProcess.Start(data);
        try
        {
            for (var round = 0; round < killAfterMs.Length; round++)
            {
                using (var http = Admin(connector))
                {
                    for (var i = 0; i < 8; i++)
                    {
                        var id = $"burst-{round}-{i}";
                        ids.Add(id);
                        var response = await http.PostAsJsonAsync("/api/v1/pkcs/requests",
                            new { subject = $"CN={id}", deviceCertificate = deviceCert, key = "rsa:2048", requestId = id });
                        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                    }
                }
                await Task.Delay(killAfterMs[round]); // land the kill somewhere between lease, journal, CA and upload
                connector.Kill();
                connector.Dispose();

                connector = ConnectorProcess.Start(data);
                await AssertEveryUnfinishedRequestMoves(connector, ids);
            }

            using (var http = Admin(connector))
                foreach (var id in ids) await WaitCompleted(http, id, TimeSpan.FromMinutes(3));
        }
        finally
        {
            connector.Dispose();
        }

        AssertOneCurrentCertificatePerRequest(data, ids);
    }

    /// <summary>Within the deadline of the restart, no request is still leased by nobody (queued for the dead process).</summary>
    private static async Task AssertEveryUnfinishedRequestMoves(ConnectorProcess connector, IReadOnlyList<string> ids)
    {
        var deadline = DateTime.UtcNow + MoveDeadline;
        using var http = Admin(connector);
        List<string> stalled;
        do
        {
            stalled = [];
            foreach (var id in ids)
            {
                var show = await http.GetFromJsonAsync<JsonElement>($"/api/v1/pkcs/requests/{id}");
                if (show.GetProperty("queueStatus").GetString() != "Completed" && show.GetProperty("state").GetString() == "NotDownloaded")
                    stalled.Add($"{id} ({show.GetProperty("queueStatus").GetString()})");
            }
            if (stalled.Count == 0) return;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"{stalled.Count} request(s) did not move within {MoveDeadline.TotalSeconds} s of the restart: {string.Join(", ", stalled)}");
    }

    private static async Task WaitCompleted(HttpClient http, string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var show = await http.GetFromJsonAsync<JsonElement>($"/api/v1/pkcs/requests/{id}");
            if (show.GetProperty("queueStatus").GetString() == "Completed") return;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{id} did not complete: {show}");
            await Task.Delay(250);
        }
    }

    private static void AssertOneCurrentCertificatePerRequest(string data, IReadOnlyList<string> ids)
    {
        var delivered = Query(Path.Combine(data, "standalone.db"), "SELECT request_id, serial_number FROM pkcs_results");
        var current = Query(Path.Combine(data, "ca", "issued.db"),
            "SELECT request_id, serial FROM issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NULL");
        foreach (var id in ids)
        {
            var mine = current.Where(c => c.Key == id).Select(c => c.Value).ToList();
            Assert.True(mine.Count == 1, $"{id} has {mine.Count} current certificates");
            Assert.Equal(mine[0], Assert.Single(delivered, d => d.Key == id).Value); // the one delivered is the current one
        }
    }

    private static List<KeyValuePair<string, string>> Query(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<KeyValuePair<string, string>>();
        while (reader.Read()) rows.Add(new(reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private static HttpClient Admin(ConnectorProcess connector)
    {
        var http = new HttpClient { BaseAddress = new Uri(connector.AdminUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(connector.DataDir, "admin.token")).Trim());
        return http;
    }

    private static string DeviceCertificate(string dir) => File.ReadAllText(Tools.DeviceCertificateFile(dir, rsa: true));
}
