using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Tests.Cluster.Failover;

/// <summary>
/// Three real instances on one PostgreSQL database: A = pkcs + revocation, B = pkcs + scep, C = scep. PKCS requests
/// through every instance's admin API (C has no pkcs role), SCEP enrollments with our client and Debian's scepclient on
/// B and C with challenges minted anywhere, revocations of PKCS certificates; B is killed (SIGKILL) mid-flight and
/// restarted. Then the shared database, the CRL of every instance and openssl ocsp against B and C agree.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
[Collection(ConnectorCluster.Collection)]
public sealed class ThreeInstanceFailoverTests
{
    private const int PkcsCount = 70;
    private const int ScepCount = 24;
    private const int RevocationCount = 20;

    [Fact]
    public async Task Mixed_load_with_a_kill_9_and_restart_of_one_instance_issues_everything_once()
    {
        using var cluster = new ConnectorCluster("cluster_failover", ConnectorCluster.FastSettings);
        var a = cluster.Add("a", pkcs: true, scep: false, revocation: true);
        var b = cluster.Add("b", pkcs: true, scep: true, revocation: false);
        var c = cluster.Add("c", pkcs: false, scep: true, revocation: false);
        a.Start();
        b.Start();
        c.Start();
        cluster.WaitUntilUp(a, [a, b, c], TimeSpan.FromSeconds(90));

        var all = cluster.Nodes;
        var scepNodes = new[] { b, c };
        var deviceCert = ClusterRequests.DeviceCertificate(cluster.Dir);
        var pkcsIds = Enumerable.Range(0, PkcsCount).Select(i => $"p-{i:D3}").ToList();
        var scepIssued = new ConcurrentDictionary<string, (string TransactionId, string Serial)>();
        var failures = new ConcurrentQueue<Exception>();

        // PKCS: queued through a, b, c in turn (any running one when the preferred is down); every tenth an RSA key.
        var pkcs = Task.Run(async () =>
        {
            for (var i = 0; i < PkcsCount; i++)
            {
                await ClusterRequests.QueuePkcsAsync(all, i % 3, pkcsIds[i], deviceCert, i % 10 == 0 ? "rsa:2048" : "ec:p256");
                await Task.Delay(60);
            }
        });

        // SCEP: half our client, half scepclient, split over b and c; challenges minted on a, b or c.
        var scep = Task.Run(async () =>
        {
            using var gate = new SemaphoreSlim(4);
            await Task.WhenAll(Enumerable.Range(0, ScepCount).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    if (i % 2 == 0)
                    {
                        var subject = $"CN=s-{i:D2}"; // one RDN: BouncyCastle writes the RDNs in the order typed
                        var challenge = await ClusterRequests.ChallengeAsync(all, i % 3, subject);
                        var (transaction, certificate) = await ScepDevices.EnrollAsync(scepNodes, i / 2 % 2, subject, challenge, TimeSpan.FromMinutes(3));
                        scepIssued[subject] = (transaction, Hex(certificate));
                    }
                    else
                    {
                        var cn = $"sc-{i:D2}";
                        var challenge = await ClusterRequests.ChallengeAsync(all, i % 3, string.Format(ScepDevices.ScepClientSubject, cn));
                        var file = await ScepDevices.ScepClientAsync(scepNodes, i / 2 % 2, cn, challenge, TimeSpan.FromMinutes(3));
                        scepIssued[cn] = ("", Tools.OpenSsl("x509", "-in", file, "-noout", "-serial").Trim()["serial=".Length..]);
                    }
                }
                catch (Exception e) { failures.Enqueue(e); }
                finally { gate.Release(); }
            }));
        });

        // Mid-flight: kill -9 b once a good part of the PKCS requests is queued and some are done.
        await ConnectorCluster.WaitForAsync(() => cluster.Count("SELECT count(*) FROM pkcs_results") >= 30, TimeSpan.FromMinutes(2), "30 PKCS results", cluster);
        b.Kill();
        var killedAt = DateTime.UtcNow;

        // Revocations of 30 completed PKCS requests, queued through a and c while b is gone.
        var revoked = new List<string>();
        await ConnectorCluster.WaitForAsync(() => cluster.Count("SELECT count(*) FROM pkcs_results WHERE succeeded = 1") >= RevocationCount + 10, TimeSpan.FromMinutes(2),
            $"{RevocationCount + 10} PKCS results", cluster);
        var toRevoke = cluster.Rows($"SELECT request_id FROM pkcs_results WHERE succeeded = 1 ORDER BY request_id LIMIT {RevocationCount}")
            .Select(r => (string)r[0]!).ToList();
        for (var i = 0; i < toRevoke.Count; i++)
            await ClusterRequests.PostAsync(all, i % 2 == 0 ? 0 : 2, "/api/v1/revocation/requests",
                new { pkcsRequestId = toRevoke[i], reason = "keyCompromise", requestId = $"r-{i:D2}" });

        // The survivors down b (split-brain resolver) and take over its shards; then b comes back on the same ports.
        cluster.WaitUntilUp(a, [a, c], TimeSpan.FromSeconds(90));
        var downedAfter = DateTime.UtcNow - killedAt;
        // a's log tells the story: three members up (0010), b unreachable (0011), then removed (0012).
        Assert.True(ConnectorLogs.Events(a.DataDir, 10).Count >= 3, "0010 for a, b and c");
        Assert.NotEmpty(ConnectorLogs.Events(a.DataDir, 11));
        Assert.NotEmpty(ConnectorLogs.Events(a.DataDir, 12));
        b.Start();
        cluster.WaitUntilUp(a, [a, b, c], TimeSpan.FromSeconds(90));

        await pkcs;
        await scep;
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures) + "\n" + cluster.Logs());

        await ConnectorCluster.WaitForAsync(() => cluster.Count("SELECT count(*) FROM pkcs_requests WHERE completed_at IS NULL") == 0
                                 && cluster.Count("SELECT count(*) FROM revocation_requests WHERE completed_at IS NULL") == 0
                                 // a device is answered before the service is told (the notification follows the journal write)
                                 && cluster.Count("SELECT count(*) FROM scep_notifications") >= ScepCount,
            TimeSpan.FromMinutes(3), "every PKCS request and revocation to complete and every SCEP outcome to be notified", cluster);

        // PKCS: each request one result, successful, and exactly one current certificate, the one delivered.
        var results = cluster.Rows("SELECT request_id, succeeded, serial_number, upload_count FROM pkcs_results")
            .ToDictionary(r => (string)r[0]!, r => (Succeeded: Convert.ToInt64(r[1]) == 1, Serial: (string?)r[2], Uploads: Convert.ToInt64(r[3])));
        Assert.Equal(pkcsIds, results.Keys.Order());
        Assert.All(results, r => Assert.True(r.Value.Succeeded, $"{r.Key} failed"));
        var current = cluster.Rows("SELECT request_id, serial FROM issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NULL")
            .GroupBy(r => (string)r[0]!).ToDictionary(g => g.Key, g => g.Select(r => (string)r[1]!).ToList());
        foreach (var id in pkcsIds)
        {
            Assert.True(current.TryGetValue(id, out var serials) && serials.Count == 1, $"{id} has {serials?.Count ?? 0} current certificates");
            Assert.Equal(Normalize(serials![0]), Normalize(results[id].Serial!));
        }
        // Delivery is at-least-once with an idempotent receiver (RestartTests): a kill between the service's commit and the
        // journal write makes the next holder upload the same result again; nothing is delivered more than twice, and only
        // requests that were in flight on the killed instance can be repeated.
        Assert.All(results, r => Assert.True(r.Value.Uploads is 1 or 2, $"{r.Key} uploaded {r.Value.Uploads} times"));
        var repeated = results.Where(r => r.Value.Uploads > 1).Select(r => r.Key).ToList();
        Assert.True(repeated.Count <= 1, $"uploaded twice: {string.Join(", ", repeated)}");

        // SCEP: one current certificate per transaction, the device's; one notification per transaction; no challenge twice.
        Assert.Equal(ScepCount, scepIssued.Count);
        var scepCurrent = cluster.Rows("SELECT request_id, serial FROM issued_certificates WHERE feature = 'scep' AND superseded_by IS NULL");
        Assert.Equal(ScepCount, scepCurrent.Count);
        Assert.Equal(ScepCount, scepCurrent.Select(r => r[0]).Distinct().Count());
        Assert.Equal(scepIssued.Values.Select(v => Normalize(v.Serial)).Order(), scepCurrent.Select(r => Normalize((string)r[1]!)).Order());
        var notifications = cluster.Rows("SELECT transaction_id, succeeded, serial_number FROM scep_notifications");
        Assert.Equal(ScepCount, notifications.Count);
        Assert.All(notifications, n => Assert.Equal(1L, Convert.ToInt64(n[1])));
        Assert.Equal(scepIssued.Values.Select(v => Normalize(v.Serial)).Order(), notifications.Select(n => Normalize((string)n[2]!)).Order());
        foreach (var (transaction, _) in scepIssued.Values.Where(v => v.TransactionId != ""))
            Assert.Contains(notifications, n => (string)n[0]! == transaction);
        Assert.Equal(ScepCount, cluster.Count("SELECT count(*) FROM scep_challenges WHERE used_by_transaction IS NOT NULL"));
        Assert.Equal(ScepCount, cluster.Count("SELECT count(DISTINCT used_by_transaction) FROM scep_challenges"));

        // Serials unique over everything the CA issued (also superseded orphans).
        Assert.Equal(cluster.Count("SELECT count(*) FROM issued_certificates"), cluster.Count("SELECT count(DISTINCT lower(serial)) FROM issued_certificates"));

        // Revocation: every revocation succeeded once; the CA's revoked set is those 30 plus superseded orphans (if any).
        Assert.Equal(RevocationCount, cluster.Count("SELECT count(*) FROM revocation_results WHERE succeeded = 1 AND upload_count = 1"));
        var revokedSerials = toRevoke.Select(id => Normalize(results[id].Serial!)).ToHashSet();
        var caRevoked = cluster.Rows("SELECT serial, superseded_by FROM issued_certificates WHERE status = 'revoked'");
        var expectedOnCrl = caRevoked.Select(r => Normalize((string)r[0]!)).ToHashSet();
        Assert.Subset(expectedOnCrl, revokedSerials);
        Assert.All(caRevoked.Where(r => !revokedSerials.Contains(Normalize((string)r[0]!))), r => Assert.NotNull(r[1])); // only orphans besides

        // The CRL of every instance (admin API; b and c also on the device-facing listener) lists exactly that set.
        var caPem = Path.Combine(cluster.Dir, "ca.pem");
        File.WriteAllText(caPem, a.Cli("ca", "cert").Stdout);
        foreach (var node in all)
        {
            var pem = Path.Combine(cluster.Dir, $"{node.Name}.crl.pem");
            var crl = node.Cli("ca", "crl");
            Assert.True(crl.ExitCode == 0, crl.ToString());
            File.WriteAllText(pem, crl.Stdout);
            Assert.Equal(expectedOnCrl.Order(), CrlSerials(pem, caPem, "PEM").Order());
        }
        using (var http = new HttpClient())
            foreach (var node in scepNodes)
            {
                var der = Path.Combine(cluster.Dir, $"{node.Name}.crl");
                File.WriteAllBytes(der, await http.GetByteArrayAsync(node.Origin + "/crl/ca.crl"));
                Assert.Equal(expectedOnCrl.Order(), CrlSerials(der, caPem, "DER").Order());
            }

        // openssl ocsp against each instance with a responder (the SCEP listener): revoked and good.
        var good = results.Keys.Except(toRevoke).Select(id => results[id].Serial!).First();
        foreach (var node in scepNodes)
        {
            var revokedAnswer = Tools.OpenSsl("ocsp", "-issuer", caPem, "-serial", "0x" + Normalize(results[toRevoke[0]].Serial!), "-url", node.Origin + "/ocsp", "-CAfile", caPem);
            Assert.Contains(": revoked", revokedAnswer);
            Assert.Contains("Reason: keyCompromise", revokedAnswer);
            Assert.Contains("Response verify OK", revokedAnswer);
            var goodAnswer = Tools.OpenSsl("ocsp", "-issuer", caPem, "-serial", "0x" + Normalize(good), "-url", node.Origin + "/ocsp", "-CAfile", caPem);
            Assert.Contains(": good", goodAnswer);
        }

        Console.WriteLine($"b downed and removed {downedAfter.TotalSeconds:F1} s after kill -9; uploaded twice: {repeated.Count}; " +
                          $"superseded orphans: {caRevoked.Count - RevocationCount}");
    }

    internal static string Normalize(string serial) => serial.Replace(":", "").TrimStart('0').ToUpperInvariant();

    private static string Hex(X509Certificate certificate) => certificate.SerialNumber.ToString(16).ToUpperInvariant();

    private static IEnumerable<string> CrlSerials(string file, string caPem, string form)
    {
        Assert.Contains("verify OK", Tools.OpenSsl("crl", "-in", file, "-inform", form, "-CAfile", caPem, "-noout"));
        var text = Tools.OpenSsl("crl", "-in", file, "-inform", form, "-noout", "-text");
        return Regex.Matches(text, @"Serial Number: ([0-9A-Fa-f]+)").Select(m => Normalize(m.Groups[1].Value));
    }
}
