using System.Text.Json;

namespace CertConnector.Host.Tests;

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
        Assert.Equal(["pkcs", "revocation", "scep"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
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
        Assert.Contains(lines, l => l.StartsWith(self + " (self)") && l.Contains(" Up ") && l.Contains("pkcs,revocation,scep") && l.TrimEnd().EndsWith('*'));
        Assert.Contains($"leader: {self}", table.Stdout);
        Assert.Equal("", table.Stderr); // no version warning on one node
    }

    [Fact]
    public void Cluster_shards_shows_each_feature_region_on_this_instance()
    {
        var self = SelfAddress();
        var all = Process.Cli("cluster", "shards", "--json");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal(["pkcs", "scep", "revocation"], all.Json.EnumerateArray().Select(r => r.GetProperty("feature").GetString()));

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
