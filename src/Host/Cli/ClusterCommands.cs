using System.CommandLine;
using System.Text.Json;
using CertConnector.Host.Admin;
using CertConnector.Host.Features;

namespace CertConnector.Host.Cli;

/// <summary><c>certconnector cluster show|shards|leave</c>: a table by default, the API's records with <c>--json</c>.</summary>
public static class ClusterCommands
{
    public static Command Build(IReadOnlyList<ConnectorFeature> features)
    {
        return new Command("cluster", "Cluster members, shard placement, graceful leave") { Show(), Shards(features), Leave() };
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the admin API's JSON instead of a table" };

    private static Command Show()
    {
        var json = JsonOption();
        var show = new Command("show", "Members: address, status, roles, reachability, version, uptime; the leader") { json };
        show.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var raw = await client.SendAsync(HttpMethod.Get, "/api/v1/cluster", null, ct);
            if (parse.GetValue(json))
            {
                CliApp.Print(raw);
                return 0;
            }
            var view = raw.Deserialize<ClusterView>(AdminClient.Json)!;
            Console.Write(Table(["ADDRESS", "STATUS", "ROLES", "REACHABLE", "VERSION", "LIFECYCLE", "INSTANCE", "UPTIME", "LEADER"],
                view.Members.Select(m => new[]
                {
                    m.Address + (m.IsSelf ? " (self)" : ""), m.Status, m.Roles.Count == 0 ? "-" : string.Join(",", m.Roles),
                    m.Reachable ? "yes" : "NO", m.Version, LifecycleColumn(m.Lifecycle), m.Instance ?? "?", m.Uptime is { } up ? Uptime(up) : "?", m.IsLeader ? "*" : "",
                })));
            Console.WriteLine($"leader: {view.Leader ?? "(none)"}");
            foreach (var warning in view.Warnings) await Console.Error.WriteLineAsync($"warning: {warning}");
            return 0;
        }));
        return show;
    }

    /// <summary>The state, with the date that matters: until when a superseded version is supported, since when it is not.</summary>
    public static string LifecycleColumn(CertConnector.Actors.Updates.Lifecycle? lifecycle) => lifecycle switch
    {
        null => "?",
        { State: CertConnector.Actors.Updates.LifecycleState.Superseded, SupportedUntil: { } until } => $"superseded (until {until:yyyy-MM-dd})",
        { State: CertConnector.Actors.Updates.LifecycleState.OutOfSupport, SupportedUntil: { } until } => $"OUT OF SUPPORT (since {until:yyyy-MM-dd})",
        _ => lifecycle.State.ToString().ToLowerInvariant(),
    };

    private static Command Shards(IReadOnlyList<ConnectorFeature> features)
    {
        var json = JsonOption();
        var feature = new Option<string?>("--feature") { Description = $"Only this feature ({string.Join(", ", features.Select(f => f.Name))})" };
        var shards = new Command("shards", "Which instance holds which shards, and how many live requests each") { feature, json };
        shards.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var query = parse.GetValue(feature) is { } f ? $"?feature={Uri.EscapeDataString(f)}" : "";
            var raw = await client.SendAsync(HttpMethod.Get, "/api/v1/cluster/shards" + query, null, ct);
            if (parse.GetValue(json))
            {
                CliApp.Print(raw);
                return 0;
            }
            var regions = raw.Deserialize<List<ShardRegionView>>(AdminClient.Json)!;
            var rows = regions.SelectMany(r => r.Regions.Count == 0
                ? [[r.Feature, "(no instance with role " + r.Role + ")", "0", "0", ""]]
                : r.Regions.Select(h => new[]
                {
                    r.Feature, h.Address, h.Shards.Count.ToString(), h.Entities.ToString(),
                    ShardList(h) + (h.Failed.Count > 0 ? $" (no answer: {string.Join(",", h.Failed)})" : ""),
                }));
            Console.Write(Table(["FEATURE", "INSTANCE", "SHARDS", "ENTITIES", "SHARD IDS (entities)"], rows));
            return 0;
        }));
        return shards;
    }

    private static Command Leave()
    {
        var json = JsonOption();
        var address = new Argument<string>("ADDRESS") { Description = "The member's address as cluster show prints it, e.g. akka.ssl.tcp://certconnector@10.0.0.5:4053 (the akka.tcp form names the same member)" };
        var leave = new Command("leave", "The member leaves the cluster gracefully (its shards move to other instances)") { address, json };
        leave.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var raw = await client.SendAsync(HttpMethod.Post, "/api/v1/cluster/leave", new ClusterLeaveRequest(parse.GetValue(address)), ct);
            if (parse.GetValue(json)) CliApp.Print(raw);
            else Console.WriteLine($"{raw.Deserialize<ClusterLeaveAccepted>(AdminClient.Json)!.Address} is leaving the cluster.");
            return 0;
        }));
        return leave;
    }

    private static string ShardList(ShardRegionHolder holder)
    {
        const int shown = 20;
        var list = string.Join(" ", holder.Shards.Take(shown).Select(s => $"{s.ShardId}({s.Entities})"));
        return holder.Shards.Count > shown ? $"{list} … (+{holder.Shards.Count - shown})" : list;
    }

    public static string Uptime(TimeSpan up) =>
        up.TotalDays >= 1 ? $"{(int)up.TotalDays}d{up.Hours}h{up.Minutes}m" : up.TotalHours >= 1 ? $"{up.Hours}h{up.Minutes}m{up.Seconds}s" : $"{up.Minutes}m{up.Seconds}s";

    /// <summary>Left-aligned columns separated by two spaces.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var row in all)
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }
}
