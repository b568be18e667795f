using System.Collections.Concurrent;

namespace CertConnector.Host.Tests.Cluster.Failover;

/// <summary>
/// A rolling restart of all three instances (SIGTERM, exit 0, start again, Up again, next) while PKCS requests keep
/// arriving through whichever instances are running: nothing is lost, and each request gets one certificate, uploaded
/// once (a graceful leave hands shards over after their work is journaled, so no upload is repeated).
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
[Collection(ConnectorCluster.Collection)]
public sealed class RollingRestartTests
{
    [Fact]
    public async Task Rolling_restart_of_every_instance_under_a_stream_of_pkcs_requests_loses_nothing_and_issues_once()
    {
        using var cluster = new ConnectorCluster("cluster_rolling", ConnectorCluster.FastSettings);
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
        foreach (var node in cluster.Nodes)
        {
            var started = DateTime.UtcNow;
            Assert.Equal(0, node.Terminate());
            Assert.Contains("Exiting completed", node.Process!.Output);
            node.Start();
            cluster.WaitUntilUp(node, [a, b, c], TimeSpan.FromSeconds(90));
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
    }
}
