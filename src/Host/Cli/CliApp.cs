using System.CommandLine;
using System.Text.Json;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Cli;

/// <summary>
/// <c>certconnector</c> as a CLI: every subcommand is a call to the admin API. With no subcommand (or
/// with <c>run</c>) the same executable is the connector itself.
/// </summary>
public static class CliApp
{
    /// <summary>The subcommands (each feature's, then the shared ones); any other first word is refused by
    /// <see cref="EntryPoint"/> as a typo. Built from the same list as the parser, so the two cannot disagree.</summary>
    public static IReadOnlyList<string> Commands => CommandsOf(ConnectorFeatures.All);

    /// <summary>The subcommands of a program composed of <paramref name="features"/>.</summary>
    public static IReadOnlyList<string> CommandsOf(IReadOnlyList<ConnectorFeature> features) => [.. BuildCommands(features).Select(c => c.Name)];

    private static IEnumerable<Command> BuildCommands(IReadOnlyList<ConnectorFeature> features) =>
        [.. features.Select(f => f.Command()), CaCommands.Build(), ConnectorKey.KeyCommands.Build(), ClusterCommands.Build(features), RequestsCommand(features), StatusCommand(), LogCommands.Build(), UpdateCommands.Build(), ConfigureCommand.Build(features)];

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly Option<string?> UrlOption = new("--url") { Description = "Admin API URL (default: the running host's, from the data directory)", Recursive = true };
    private static readonly Option<string?> DataDirOption = new("--data-dir") { Description = "The connector's data directory (token, URL); default ./data", Recursive = true };

    /// <param name="features">the features whose commands to offer: <see cref="ConnectorFeatures.All"/> unless a test adds one of its own.</param>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<ConnectorFeature>? features = null)
    {
        features ??= ConnectorFeatures.All;
        var switches = string.Join(",\n  ", ServerArguments.SwitchesOf(features).Keys.Chunk(5).Select(chunk => string.Join(", ", chunk)));
        var root = new RootCommand("certconnector: the certificate connector and its CLI.\n  Without a command (or with 'run') it runs the connector, taking\n  " + switches +
                                   "\n  and any setting as --Connector:Section:Key=value (see docs/CONFIGURATION.md and docs/CLUSTERING.md).")
        {
            UrlOption, DataDirOption,
        };
        foreach (var command in BuildCommands(features)) root.Subcommands.Add(command);
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Runs one API call with the common error handling: a message on stderr and exit code 1 (2 when the URL is refused before any call).</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Call(Func<ParseResult, AdminClient, CancellationToken, Task<int>> action) =>
        async (parse, ct) =>
        {
            try
            {
                using var client = AdminClient.Create(parse.GetValue(UrlOption), parse.GetValue(DataDirOption));
                return await action(parse, client, ct);
            }
            catch (CliException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return e.ExitCode;
            }
        };

    /// <summary>The data directory the CLI reads (URL, token): --data-dir, else CERTCONNECTOR_DATA_DIR, else ./data.</summary>
    public static string DataDirOf(ParseResult parse) =>
        parse.GetValue(DataDirOption) ?? Environment.GetEnvironmentVariable("CERTCONNECTOR_DATA_DIR") ?? "data";

    public static void Print(JsonElement json) =>
        Console.WriteLine(json.ValueKind == JsonValueKind.String ? json.GetString() : JsonSerializer.Serialize(json, Pretty));

    private static Command RequestsCommand(IReadOnlyList<ConnectorFeature> features)
    {
        var feature = new Option<string?>("--feature") { Description = $"Only this feature's queue ({string.Join(", ", features.Select(f => f.Name))}; a feature without a standalone queue is refused with the list of those that have one)" };
        var state = new Option<string?>("--state") { Description = "Only this state (Queued, Leased, Completed, Failed)" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List requests") { feature, state, limit };
        list.SetAction(Call(async (parse, client, ct) =>
        {
            var query = $"?limit={parse.GetValue(limit)}" +
                        (parse.GetValue(feature) is { } f ? $"&feature={Uri.EscapeDataString(f)}" : "") +
                        (parse.GetValue(state) is { } s ? $"&state={Uri.EscapeDataString(s)}" : "");
            Print(await client.SendAsync(HttpMethod.Get, "/api/v1/requests" + query, null, ct));
            return 0;
        }));
        var id = new Argument<string>("id") { Description = "The request ID" };
        var show = new Command("show", "One request of any feature, with that feature's full view of it") { id };
        show.SetAction(Call(async (parse, client, ct) =>
        {
            var found = await client.SendAsync(HttpMethod.Get, "/api/v1/requests/" + Uri.EscapeDataString(parse.GetValue(id)!), null, ct);
            // One JSON document (an ID may exist in more than one feature): each match with its feature's full view.
            var views = new System.Text.Json.Nodes.JsonArray();
            // A match from a request actor (remote mode) comes with its view; a feature without a details route shows that view.
            foreach (var match in found.EnumerateArray())
            {
                var request = match.TryGetProperty("details", out var path) && path.GetString() is { } details
                    ? await client.SendAsync(HttpMethod.Get, details, null, ct)
                    : match.GetProperty("view");
                views.Add(new System.Text.Json.Nodes.JsonObject
                {
                    ["feature"] = match.GetProperty("feature").GetString(),
                    ["source"] = match.TryGetProperty("source", out var source) ? source.GetString() : "queue",
                    ["request"] = System.Text.Json.Nodes.JsonNode.Parse(request.GetRawText()),
                });
            }
            Print(JsonSerializer.SerializeToElement(views));
            return 0;
        }));
        return new Command("requests", "Requests of every feature") { list, show };
    }

    private static Command StatusCommand()
    {
        var open = new Option<bool>("--open") { Description = "Print a one-time link to the status page instead (it works once, within a minute)" };
        var status = new Command("status", "Instance, version, cluster members, service mode and the last health message") { open };
        status.SetAction(Call(async (parse, client, ct) =>
        {
            if (parse.GetValue(open))
            {
                var link = (await client.SendAsync(HttpMethod.Post, Admin.StatusPage.StatusPageEndpoints.SignInCodesRoute, null, ct))
                    .Deserialize<Admin.StatusPage.SignInLink>(AdminClient.Json)!;
                Console.WriteLine(client.BaseUrl + link.Path);
                await Console.Error.WriteLineAsync($"Open this link in a browser before {link.ExpiresAt:HH:mm:ss} UTC; it works once.");
                return 0;
            }
            var json = await client.SendAsync(HttpMethod.Get, "/api/v1/status", null, ct);
            Print(json);
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("warnings", out var warnings) && warnings.ValueKind == JsonValueKind.Array)
                foreach (var warning in warnings.EnumerateArray()) await Console.Error.WriteLineAsync($"warning: {warning.GetString()}");
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("service", out var service) && service.ValueKind == JsonValueKind.Object
                && service.TryGetProperty("lastHealth", out var health) && health.ValueKind == JsonValueKind.Object && !health.GetProperty("succeeded").GetBoolean())
                await Console.Error.WriteLineAsync($"warning: the last health message to the service failed at {health.GetProperty("at")} " +
                    $"(attempt {health.GetProperty("attempt")}): {health.GetProperty("errorCode")}");
            return 0;
        }));
        return status;
    }
}
