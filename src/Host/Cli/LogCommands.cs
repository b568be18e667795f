using System.CommandLine;
using System.Text.Json;
using CertConnector.Adapters.Logging;

namespace CertConnector.Host.Cli;

/// <summary><c>certconnector logs</c>: this instance's events, read back through the admin API, and the Debug switches.</summary>
public static class LogCommands
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public static Command Build()
    {
        var channel = new Option<string?>("--channel") { Description = "admin or operational (default: both)" };
        channel.AcceptOnlyFromAmong([.. EventLogReader.Channels]);
        var id = new Option<int?>("--id") { Description = "Only this event ID (e.g. 1001)" };
        var request = new Option<string?>("--request") { Description = "Only this request ID" };
        var since = new Option<string?>("--since") { Description = "From this long ago (90s, 30m, 1h, 2d) or this UTC time" };
        var limit = new Option<int>("--limit") { Description = $"The newest this many (1-{EventLogReader.MaxLimit})", DefaultValueFactory = _ => 100 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events until interrupted" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line, as in the files" };
        var logs = new Command("logs", "Print this instance's events (Admin and Operational channels, archive included)")
            { channel, id, request, since, limit, follow, json, Debug() };
        logs.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            string? cursor = null;
            var filter = Query(parse.GetValue(channel), parse.GetValue(id), parse.GetValue(request));
            var first = $"/api/v1/logs?limit={parse.GetValue(limit)}{filter}{(parse.GetValue(since) is { } s ? "&since=" + Uri.EscapeDataString(s) : "")}";
            var asJson = parse.GetValue(json);
            while (true)
            {
                var page = await client.SendAsync(HttpMethod.Get, cursor is null ? first : $"/api/v1/logs?limit={EventLogReader.MaxLimit}{filter}&after={Uri.EscapeDataString(cursor)}", null, ct);
                foreach (var e in page.GetProperty("events").EnumerateArray()) Console.WriteLine(asJson ? e.GetRawText() : Line(e));
                if (page.GetProperty("truncated").GetBoolean() && cursor is null)
                    await Console.Error.WriteLineAsync($"warning: stopped after reading {EventLogReader.MaxBytesScanned / (1024 * 1024)} MB of logs; give a later --since.");
                if (!parse.GetValue(follow)) return 0;
                cursor = page.GetProperty("cursor").GetString();
                try { await Task.Delay(FollowInterval, ct); }
                catch (OperationCanceledException) { return 0; }
            }
        }));
        return logs;
    }

    private static Command Debug()
    {
        var channel = new Argument<string>("channel") { Description = "admin or operational" };
        channel.AcceptOnlyFromAmong([.. EventLogReader.Channels]);
        var state = new Argument<string>("state") { Description = "on or off" };
        state.AcceptOnlyFromAmong("on", "off");
        var debug = new Command("debug", "Switch a channel's Debug events on or off now, without a restart (the setting Connector:Logging:*Debug gives the start value)")
            { channel, state };
        debug.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Put, "/api/v1/logs/debug", new { channel = parse.GetValue(channel), enabled = parse.GetValue(state) == "on" }, ct));
            return 0;
        }));
        return debug;
    }

    private static string Query(string? channel, int? id, string? request) =>
        (channel is null ? "" : "&channel=" + channel) + (id is null ? "" : "&id=" + id) + (request is null ? "" : "&request=" + Uri.EscapeDataString(request));

    /// <summary>As the console shows an event: time, level, ID and name, the request, the message (already escaped in the file).</summary>
    private static string Line(JsonElement e)
    {
        string Text(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var request = Text("requestId");
        return $"{Text("timestamp")} {Text("level"),-11} {(e.TryGetProperty("eventId", out var id) ? id.ToString() : ""),4} {Text("eventName")}" +
               $"{(request.Length > 0 ? $" [{request}]" : "")} {Text("message")}";
    }
}
