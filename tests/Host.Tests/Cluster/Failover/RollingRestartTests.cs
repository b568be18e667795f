using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Tests.Updates;

namespace CertConnector.Host.Tests.Cluster.Failover;

/// <summary>
/// A rolling restart of all three instances (SIGTERM, exit 0, start again, Up again, next) while PKCS requests keep
/// arriving through whichever instances are running: nothing is lost, and each request gets one certificate, uploaded
/// once (a graceful leave hands shards over after their work is journaled, so no upload is repeated). The restarts are
/// ordered as automatic updates order them (what `update apply --auto` asks of its instance): the instances still to go
/// all ask for the connector's update lease at once, one is granted, it restarts, and its new process gives the lease back.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
[Collection(ConnectorCluster.Collection)]
public sealed class RollingRestartTests
{
    [Fact]
    public async Task Rolling_restart_of_every_instance_under_a_stream_of_pkcs_requests_loses_nothing_and_issues_once()
    {
        await using var feed = new LoopbackFeed();
        feed.Publish(new ReleaseManifest(1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(30), []));
        using var cluster = new ConnectorCluster("cluster_rolling", new Dictionary<string, string>(ConnectorCluster.FastSettings)
        {
            ["Updates:FeedUrl"] = feed.FeedUrl, ["Updates:TestOnlyTrustedCertificate"] = feed.CertificateFile,
        });
        var a = cluster.Add("a", pkcs: true, scep: false, revocation: true);
        var b = cluster.Add("b", pkcs: true, scep: true, revocation: false);
        var c = cluster.Add("c", pkcs: false, scep: true, revocation: false);
        foreach (var node in cluster.Nodes) node.Start();
        cluster.WaitUntilUp(a, [a, b, c], TimeSpan.FromSeconds(90));

        var deviceCert = ClusterRequests.DeviceCertificate(cluster.Dir);
        var queued = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = $"roll-{i:D4}";
                await ClusterRequests.QueuePkcsAsync(cluster.Nodes, i % 3, id, deviceCert, i % 10 == 0 ? "rsa:2048" : "ec:p256");
                queued.Enqueue(id);
                await Task.Delay(150);
            }
        });

        var restarts = new List<string>();
        var remaining = cluster.Nodes.ToList();
        while (remaining.Count > 0)
        {
            // Every instance still to update asks at once (their timers may fire together): exactly one may go.
            var answers = await Task.WhenAll(remaining.Select(n => LeaseAsync(n, "0.9.0")));
            Assert.Single(answers, answer => answer == HttpStatusCode.OK);
            Assert.Equal(remaining.Count - 1, answers.Count(answer => answer == HttpStatusCode.Conflict));
            var node = remaining[Array.IndexOf(answers, HttpStatusCode.OK)];

            var started = DateTime.UtcNow;
            Assert.Equal(0, node.Terminate());
            Assert.Contains("Exiting completed", node.Process!.Output);
            node.Start();
            cluster.WaitUntilUp(node, [a, b, c], TimeSpan.FromSeconds(90));
            // Nobody else while it is away and back: the lease is the instance's, not its process's.
            foreach (var other in remaining.Where(n => n != node)) Assert.Equal(HttpStatusCode.Conflict, await LeaseAsync(other, "0.9.0"));
            using (var http = node.Admin())
                Assert.True((await http.PostAsJsonAsync("/api/v1/updates/outcome", new { version = "0.9.0", previous = "0.8.0", installed = true })).IsSuccessStatusCode);
            remaining.Remove(node);
            restarts.Add($"{node.Name} {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            Assert.False(stream.IsFaulted, stream.Exception?.ToString());
        }
        await Task.Delay(2000);
        stop.Cancel();
        await stream;

        var ids = queued.ToList();
        Assert.True(ids.Count >= 50, $"only {ids.Count} requests were queued during the rolling restart");
        await ConnectorCluster.WaitForAsync(() => cluster.Count("SELECT count(*) FROM pkcs_requests WHERE completed_at IS NULL") == 0,
            TimeSpan.FromMinutes(3), "every PKCS request to complete", cluster);

        Assert.Equal(ids.Count, cluster.Count("SELECT count(*) FROM pkcs_requests"));
        var results = cluster.Rows("SELECT request_id, succeeded, serial_number, upload_count FROM pkcs_results")
            .ToDictionary(r => (string)r[0]!, r => (Succeeded: Convert.ToInt64(r[1]) == 1, Serial: (string)r[2]!, Uploads: Convert.ToInt64(r[3])));
        Assert.Equal(ids.Order(), results.Keys.Order());
        Assert.All(results, r => Assert.True(r.Value.Succeeded && r.Value.Uploads == 1, $"{r.Key}: succeeded {r.Value.Succeeded}, uploaded {r.Value.Uploads} times"));
        var current = cluster.Rows("SELECT request_id, serial FROM issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NULL")
            .GroupBy(r => (string)r[0]!).ToDictionary(g => g.Key, g => g.Select(r => (string)r[1]!).ToList());
        foreach (var id in ids)
        {
            Assert.True(current.TryGetValue(id, out var serials) && serials.Count == 1, $"{id} has {serials?.Count ?? 0} current certificates");
            Assert.Equal(ThreeInstanceFailoverTests.Normalize(serials![0]), ThreeInstanceFailoverTests.Normalize(results[id].Serial));
        }
        Assert.Equal(0, cluster.Count("SELECT count(*) FROM issued_certificates WHERE superseded_by IS NOT NULL")); // nobody issued twice
        Console.WriteLine($"{ids.Count} requests; restarts: {string.Join(", ", restarts)}");
        Assert.All(cluster.Nodes, n => Assert.Single(ConnectorLogs.Events(n.DataDir, 231))); // each says it was updated
    }

    private static async Task<HttpStatusCode> LeaseAsync(ClusterNode node, string version)
    {
        using var http = node.Admin();
        using var response = await http.PostAsJsonAsync("/api/v1/updates/lease", new { version });
        return response.StatusCode;
    }
}
