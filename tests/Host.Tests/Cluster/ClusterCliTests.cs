using System.Text.Json;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// Cluster inspection through the real process and its CLI on a one-node cluster: <c>cluster show</c>,
/// <c>cluster shards</c> (table and --json), and bad input naming the field.
/// </summary>
public sealed class ClusterCliTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private ConnectorProcess Process => connector.Process;

    private string SelfAddress()
    {
        var status = Process.Cli("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        return status.Json.GetProperty("self").GetString()!;
    }

    [Fact]
    public void Status_shows_the_key_pool_filling_towards_its_default_of_32_rsa_2048_keys()
    {
        using var connector = ConnectorProcess.Start(Path.Combine(Tools.TempDir("key-pool"), "data"),
            new Dictionary<string, string> { ["Pkcs:KeyPoolEnabled"] = "true" }); // the product default, which the suite turns off
        System.Text.Json.JsonElement pool = default;
        connector.WaitUntil(() =>
        {
            var status = connector.Cli("status");
            if (status.ExitCode != 0) return false;
            pool = Assert.Single(status.Json.GetProperty("keyPool").EnumerateArray());
            // Filling is the point; waiting for all 32 would only measure this machine's RSA speed (a minute of the suite).
            return pool.GetProperty("available").GetInt32() >= 4;
        }, TimeSpan.FromSeconds(90), "the key pool to fill");
        Assert.Equal("rsa:2048", pool.GetProperty("keySpec").GetString());
        Assert.Equal(32, pool.GetProperty("capacity").GetInt32());
    }

    [Fact]
    public void Cluster_show_lists_the_member_with_roles_version_uptime_and_the_leader()
    {
        var self = SelfAddress();
        var json = Process.Cli("cluster", "show", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var view = json.Json;
        Assert.Equal(self, view.GetProperty("self").GetString());
        Assert.Equal(self, view.GetProperty("leader").GetString());
        var member = Assert.Single(view.GetProperty("members").EnumerateArray());
        Assert.Equal(self, member.GetProperty("address").GetString());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.Equal(["pkcs", "pkcs-import", "recrypt", "revocation", "scep"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Matches("^[0-9a-f]{32}$", member.GetProperty("instanceId").GetString()); // the instance role, shown apart from the features
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.True(member.GetProperty("isLeader").GetBoolean());
        Assert.Equal(Process.Cli("status").Json.GetProperty("version").GetString(), member.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(member.GetProperty("instance").GetString())); // the node-info actor answered
        Assert.True(TimeSpan.Parse(member.GetProperty("uptime").GetString()!) > TimeSpan.Zero);
        Assert.Empty(view.GetProperty("warnings").EnumerateArray());

        var table = Process.Cli("cluster", "show");
        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ADDRESS", lines[0]);
        Assert.Contains("UPTIME", lines[0]);
        Assert.Contains(lines, l => l.StartsWith(self + " (self)") && l.Contains(" Up ") && l.Contains("pkcs,pkcs-import,recrypt,revocation,scep") && l.TrimEnd().EndsWith('*'));
        Assert.Contains($"leader: {self}", table.Stdout);
        Assert.Equal("", table.Stderr); // no version warning on one node
    }

    [Fact]
    public void Cluster_shards_shows_each_feature_region_on_this_instance()
    {
        var self = SelfAddress();
        var all = Process.Cli("cluster", "shards", "--json");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal(["pkcs", "scep", "revocation", "pkcs-import", "recrypt"], all.Json.EnumerateArray().Select(r => r.GetProperty("feature").GetString()));

        var one = Process.Cli("cluster", "shards", "--feature", "revocation", "--json");
        Assert.True(one.ExitCode == 0, one.ToString());
        var region = Assert.Single(one.Json.EnumerateArray());
        Assert.Equal("revocation-request", region.GetProperty("typeName").GetString());
        Assert.Equal("revocation", region.GetProperty("role").GetString());
        var holder = Assert.Single(region.GetProperty("regions").EnumerateArray());
        Assert.Equal(self, holder.GetProperty("address").GetString());
        Assert.Equal(holder.GetProperty("shards").GetArrayLength(), region.GetProperty("shards").GetInt32());
        Assert.Equal(holder.GetProperty("shards").EnumerateArray().Sum(s => s.GetProperty("entities").GetInt32()), holder.GetProperty("entities").GetInt32());

        var table = Process.Cli("cluster", "shards", "--feature", "revocation");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.StartsWith("FEATURE", table.Stdout);
        Assert.Contains(table.Stdout.Split('\n'), l => l.StartsWith("revocation") && l.Contains(self));
    }

    [Theory]
    [InlineData(new[] { "cluster", "shards", "--feature", "nope" }, "400", "feature")]
    [InlineData(new[] { "cluster", "leave", "not-an-address" }, "400", "address")]
    [InlineData(new[] { "cluster", "leave", "akka.tcp://certconnector@127.0.0.1" }, "400", "address")]
    [InlineData(new[] { "cluster", "leave", "akka.tcp://certconnector@127.0.0.1:1" }, "404", "address")]
    public void Bad_input_is_refused_naming_the_field(string[] args, string status, string field)
    {
        var result = Process.Cli(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: {status} ", result.Stderr);
        Assert.Contains($"(field: {field})", result.Stderr);
        Assert.Equal(1, Process.Cli("cluster", "show", "--json").Json.GetProperty("members").GetArrayLength()); // still a member
    }

    [Fact]
    public void A_mistyped_cluster_subcommand_is_an_error_with_a_hint()
    {
        var result = Process.Cli("cluster", "shwo");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("show", result.Stdout + result.Stderr);
        Assert.Contains("'shwo'", result.Stdout + result.Stderr);
    }
}

/// <summary>A node leaves the cluster gracefully on SIGTERM and on <c>cluster leave</c>, and exits 0.</summary>
public sealed class ClusterLeaveTests
{
    [Fact]
    public void Sigterm_makes_the_node_leave_and_exit_0()
    {
        var dir = Tools.TempDir("sigterm");
        using var process = ConnectorProcess.Start(Path.Combine(dir, "data"));
        var self = process.Cli("status").Json.GetProperty("self").GetString()!;

        Assert.Equal(0, process.Terminate(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Marked address [{self}] as [Leaving]", process.Output);
        Assert.Contains("Exiting completed", process.Output);
    }

    [Fact]
    public void Cluster_leave_of_a_member_makes_it_leave_and_its_process_exit_0()
    {
        var dir = Tools.TempDir("leave");
        using var process = ConnectorProcess.Start(Path.Combine(dir, "data"));
        var self = process.Cli("status").Json.GetProperty("self").GetString()!;

        var leave = process.Cli("cluster", "leave", self, "--json");
        Assert.True(leave.ExitCode == 0, leave.ToString());
        Assert.Equal(self, leave.Json.GetProperty("address").GetString());
        Assert.Equal("Up", leave.Json.GetProperty("previousStatus").GetString());

        Assert.Equal(0, process.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Marked address [{self}] as [Leaving]", process.Output);
        Assert.Contains("Exiting completed", process.Output);
    }
}

/// <summary>
/// Two real processes in one cluster on one PostgreSQL journal (the transport is mutual TLS with member certificates
/// from the shared CA: two embedded nodes, each pinned to its own certificate, cannot form one), the second seeded by
/// the first and announcing an older version: cluster show reaches the remote node's node-info actor, status warns
/// about the versions, and cluster leave of the remote member (named in the akka.tcp form of the seed list) stops it.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class TwoNodeClusterTests
{
    [Fact]
    public async Task Show_warn_and_leave_across_two_processes()
    {
        await using var db = await CertConnector.Tests.Postgres.Postgres.CreateDatabaseAsync("two-nodes");
        var dir = Tools.TempDir("two-nodes");
        int portA = Tools.FreePort(), portB = Tools.FreePort();
        using var first = Cluster.ClusterNodes.Start(Path.Combine(dir, "a"), db, portA, "--instance", "node-a");
        var firstAddress = first.Cli("status").Json.GetProperty("self").GetString()!;
        var hocon = Path.Combine(dir, "second.hocon");
        File.WriteAllText(hocon, File.ReadAllText(Cluster.ClusterNodes.ClusterHocon) + "\nakka.cluster.app-version = \"0.0.1-old\"\n");
        using var second = ConnectorProcess.Start(Path.Combine(dir, "b"), new Dictionary<string, string>(), Cluster.ClusterNodes.Environment(),
            ["--hocon", hocon, "--cluster-port", portB.ToString(), "--Connector:Database:Provider=postgres",
             $"--Connector:Database:ConnectionString={db.ConnectionString}", "--instance", "node-b", "--seed-node", Cluster.ClusterNodes.SeedAddress(portA),
             "--Connector:Scep:Enabled=false", "--Connector:PkcsImport:Enabled=false", "--Connector:Recrypt:Enabled=false"]);
        first.WaitUntil(() => first.Cli("cluster", "show", "--json").Json.GetProperty("members").EnumerateArray()
            .Count(m => m.GetProperty("status").GetString() == "Up") == 2, TimeSpan.FromSeconds(60), "two Up members");

        var view = first.Cli("cluster", "show", "--json").Json;
        var remote = Assert.Single(view.GetProperty("members").EnumerateArray(), m => !m.GetProperty("isSelf").GetBoolean());
        var secondAddress = remote.GetProperty("address").GetString()!;
        Assert.Equal("0.0.1-old", remote.GetProperty("version").GetString());
        Assert.Equal("node-b", remote.GetProperty("instance").GetString()); // answered over the cluster
        Assert.True(TimeSpan.Parse(remote.GetProperty("uptime").GetString()!) > TimeSpan.Zero);
        Assert.Equal(["pkcs", "revocation"], remote.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("different versions", Assert.Single(view.GetProperty("warnings").EnumerateArray()).GetString());

        var status = first.Cli("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("warning: Instances run different versions: 0.0.1-old on " + secondAddress, status.Stderr);
        var table = first.Cli("cluster", "show");
        Assert.Contains(table.Stdout.Split('\n'), l => l.StartsWith(secondAddress) && l.Contains("0.0.1-old") && l.Contains("node-b"));
        Assert.Contains("warning: Instances run different versions", table.Stderr);

        var shards = first.Cli("cluster", "shards", "--feature", "scep", "--json").Json;
        Assert.Equal([firstAddress], Assert.Single(shards.EnumerateArray()).GetProperty("regions").EnumerateArray()
            .Select(r => r.GetProperty("address").GetString())); // only the scep role holder has a scep region

        Assert.Equal(Cluster.ClusterNodes.Address(portB), secondAddress);
        var leave = first.Cli("cluster", "leave", Cluster.ClusterNodes.SeedAddress(portB)); // the akka.tcp form names the same member
        Assert.True(leave.ExitCode == 0, leave.ToString());
        Assert.Equal(0, second.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Contains("Exiting completed", second.Output);
        first.WaitUntil(() => first.Cli("cluster", "show", "--json").Json.GetProperty("members").GetArrayLength() == 1,
            TimeSpan.FromSeconds(30), "the second member to be removed");
        Assert.Equal("", first.Cli("status").Stderr); // one version again
    }
}
