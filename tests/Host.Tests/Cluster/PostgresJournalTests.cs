using CertConnector.Tests.Postgres;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// One connector with <c>hocon/cluster.hocon</c> and <c>Connector:Database:Provider=postgres</c>: its journal is in
/// PostgreSQL. A PKCS request goes through to Uploaded, its events are rows in the journal table, and after
/// kill -9 a new process on the same database recovers the request from there.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class PostgresJournalTests
{
    [Fact]
    public async Task A_pkcs_request_is_journaled_in_postgres_and_survives_kill_9()
    {
        await using var db = await Postgres.CreateDatabaseAsync("journal");
        var dir = Tools.TempDir("pg-journal");
        var data = Path.Combine(dir, "data");
        var deviceCert = Tools.DeviceCertificateFile(dir);
        const string id = "pg-journal-1";
        var port = Tools.FreePort();

        using (var first = ClusterNodes.Start(data, db, port))
        {
            Assert.Equal([ClusterNodes.Address(port)], ClusterNodes.UpMembers(first));
            var request = first.Cli("pkcs", "request", "--subject", $"CN={id}", "--device-cert", deviceCert, "--key", "ec:p256", "--request-id", id);
            Assert.True(request.ExitCode == 0, request.ToString());
            first.WaitForQueueStatus(id, "Completed", TimeSpan.FromSeconds(120));
            Assert.Equal("Uploaded", first.Show(id).GetProperty("state").GetString());
            first.Kill();
        }

        var events = await db.ScalarAsync<long>($"SELECT count(*) FROM journal WHERE persistence_id LIKE '%{id}%'");
        Assert.True(events >= 3, $"{events} journal rows for {id} in PostgreSQL; expected Downloaded, Issued, Uploaded");
        Assert.False(File.Exists(Path.Combine(data, "connector.db")), "the journal must not be in the data directory's SQLite file");

        using var second = ClusterNodes.StartWithPgVariable(data, db, port); // CERTCONNECTOR_PG as the fallback connection string
        var show = second.Show(id);
        Assert.True(show.ValueKind == System.Text.Json.JsonValueKind.Object, second.Cli("pkcs", "show", id).ToString());
        Assert.Equal("Uploaded", show.GetProperty("state").GetString());
        var history = show.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()).ToList();
        Assert.Equal(1, history.Count(e => e == "Issued"));
        Assert.Equal(1, history.Count(e => e == "Uploaded"));
        Assert.Equal(events, await db.ScalarAsync<long>($"SELECT count(*) FROM journal WHERE persistence_id LIKE '%{id}%'")); // recovered, not redone
    }
}
