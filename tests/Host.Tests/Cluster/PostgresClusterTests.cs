using CertConnector.Tests.Postgres;

using CertConnector.Host.Tests.Ca;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// Two processes with <c>hocon/cluster.hocon</c> on one PostgreSQL journal, configured only through settings:
/// the second is seeded by the first (<c>--seed-node</c>); both are Up in <c>cluster show</c> on either node.
/// Both reach PostgreSQL through PgBouncer in transaction pooling mode with four server connections between them (how
/// 100 instances share a stock server, docs/CLUSTERING.md): journal, shared stores and the shared CA work through it.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class PostgresClusterTests
{
    [Fact]
    public async Task A_second_node_seeded_by_the_first_joins_and_both_are_up()
    {
        await using var db = await Postgres.CreateDatabaseAsync("cluster");
        using var bouncer = PgBouncer.Start(poolSize: 4);
        var through = bouncer.ConnectionStringFor(db);
        var dir = Tools.TempDir("pg-cluster");
        int portA = Tools.FreePort(), portB = Tools.FreePort();
        string a = ClusterNodes.Address(portA), b = ClusterNodes.Address(portB);

        using var first = ClusterNodes.Start(Path.Combine(dir, "a"), through, portA, "--instance", "node-a", "--Connector:Scep:Enabled=false");
        using var second = ClusterNodes.Start(Path.Combine(dir, "b"), through, portB, "--instance", "node-b", "--seed-node", ClusterNodes.SeedAddress(portA),
            "--Connector:Pkcs:Enabled=false", "--Connector:Revocation:Enabled=false");

        string[] both = [.. new[] { a, b }.Order()];
        first.WaitUntil(() => ClusterNodes.UpMembers(first).SequenceEqual(both), TimeSpan.FromSeconds(60), "both nodes Up on node A");
        second.WaitUntil(() => ClusterNodes.UpMembers(second).SequenceEqual(both), TimeSpan.FromSeconds(60), "both nodes Up on node B");

        var members = second.Cli("cluster", "show", "--json").Json.GetProperty("members").EnumerateArray()
            .ToDictionary(m => m.GetProperty("address").GetString()!, m => m);
        Assert.Equal(["pkcs", "pkcs-import", "recrypt", "revocation"], members[a].GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["pkcs-import", "recrypt", "scep"], members[b].GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("node-a", members[a].GetProperty("instance").GetString());

        var table = first.Cli("cluster", "show");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(table.Stdout.Split('\n'), l => l.StartsWith(b) && l.Contains(" Up "));

        // A PKCS request end to end (journal, queue, the shared CA), opened with openssl; no more server connections than the pool.
        var issued = PkcsThroughCli.Issue(first, dir, out _, out _, key: "ec:p256", subject: "CN=Through PgBouncer,O=Contoso");
        Tools.OpenSsl("x509", "-in", issued, "-noout");
        Assert.InRange(await db.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db.Name}' AND pid <> pg_backend_pid()"), 1, 4);

        Assert.Equal(0, second.Terminate(TimeSpan.FromSeconds(60))); // leaves gracefully
        first.WaitUntil(() => ClusterNodes.UpMembers(first).SequenceEqual([a]), TimeSpan.FromSeconds(60), "node B to be gone from node A's view");
    }
}
