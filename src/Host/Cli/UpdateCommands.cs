using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Updates;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Cli;

/// <summary><c>certconnector update check|download|apply</c>: what the signed release feed offers, its packages, installing one.</summary>
public static class UpdateCommands
{
    public static Command Build() => new("update", "The release feed: lifecycle state, newer versions, their packages") { Check(), Download(), Apply() };

    private static Command Check()
    {
        var json = new Option<bool>("--json") { Description = "Print the admin API's JSON" };
        var check = new Command("check", "Check the release feed now: this version's lifecycle state and why, the newer versions with their notes") { json };
        check.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var raw = await client.SendAsync(HttpMethod.Get, "/api/v1/updates", null, ct);
            if (parse.GetValue(json))
            {
                CliApp.Print(raw);
                return 0;
            }
            var view = raw.Deserialize<UpdateCheckView>(AdminClient.Json)!;
            Console.WriteLine($"certconnector {view.Version} (released {view.ReleaseDate}): {view.Lifecycle.State.ToString().ToLowerInvariant()}");
            Console.WriteLine($"  {view.Lifecycle.Message}");
            if (view.Sequence is { } sequence) Console.WriteLine($"  release manifest {sequence}, valid until {view.ManifestExpiresUtc:yyyy-MM-dd HH:mm}Z");
            if (view.Newer.Count > 0) Console.WriteLine("newer releases:");
            foreach (var release in view.Newer)
            {
                Console.WriteLine($"  {release.Version}  released {release.ReleasedUtc:yyyy-MM-dd}  {release.Notes}");
                Console.WriteLine($"      {release.PackageUrl}  sha256 {release.Sha256}");
            }
            if (view.Refusal is { } refusal) await Console.Error.WriteLineAsync($"warning: the release feed fetched now was refused ({refusal}); the last accepted manifest stands.");
            return 0;
        }));
        return check;
    }

    private static Command Download()
    {
        var version = new Option<string?>("--version") { Description = "The release to download (default: the newest newer than this instance's)" };
        var output = new Option<string>("--out") { Description = "Directory to write the package to", DefaultValueFactory = _ => "." };
        var download = new Command("download", "Download a release's package through the connector; its sha256 must be the signed manifest's") { version, output };
        download.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var view = (await client.SendAsync(HttpMethod.Get, "/api/v1/updates", null, ct)).Deserialize<UpdateCheckView>(AdminClient.Json)!;
            var wanted = parse.GetValue(version);
            if (wanted is null && view.Newer.Count == 0)
                throw new CliException($"{view.Version} is the newest release the feed lists ({view.Lifecycle.Message}); give --version to download a listed one.");
            wanted ??= view.Newer[0].Version;
            var directory = parse.GetValue(output)!;
            Directory.CreateDirectory(directory);
            var target = Path.Combine(directory, "certconnector-download.partial");
            try
            {
                await client.DownloadAsync("/api/v1/updates/packages/" + Uri.EscapeDataString(wanted), target, ct);
                // The connector checked the digest; so does the CLI, against the same signed manifest, for what arrived here.
                var release = view.Newer.FirstOrDefault(r => r.Version == wanted);
                string sha256;
                await using (var file = File.OpenRead(target)) sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
                if (release is not null && sha256 != release.Sha256)
                    throw new CliException($"The package of {wanted} written here has sha256 {sha256}, not {release.Sha256} as the signed manifest says: refused.");
                var name = release is null ? $"certconnector_{wanted}.deb" : ReleaseFeed.PackageFileName(release);
                var final = Path.Combine(directory, name);
                File.Move(target, final, overwrite: true);
                Console.WriteLine($"{final}  sha256 {sha256} (as the signed manifest says)");
                return 0;
            }
            finally
            {
                File.Delete(target);
            }
        }));
        return download;
    }

    private static Command Apply()
    {
        var version = new Option<string?>("--version") { Description = "The release to install (default: the newest the feed lists later than the installed package)" };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "How long the new version has to be ready (/readyz) before it is rolled back", DefaultValueFactory = _ => TimeSpan.FromMinutes(3) };
        var settings = new Option<string?>("--settings") { Description = $"The instance's settings file (default {ConfigureCommand.PackageSettings} when it exists)" };
        var auto = new Option<bool>("--auto") { Description = "As certconnector-update.timer runs it: only with Connector:Updates:Auto, inside its window, one instance of a cluster at a time" };
        var apply = new Command("apply", "As root: install a release's package through dpkg, verified here, restart the service, and roll back if it is not ready") { version, timeout, settings, auto };
        apply.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var settingsFile = parse.GetValue(settings) ?? (File.Exists(ConfigureCommand.PackageSettings) ? ConfigureCommand.PackageSettings : null);
            var apply = new UpdateApply(client, new DataDirectory(CliApp.DataDirOf(parse)), settingsFile, parse.GetValue(timeout));
            return await apply.RunAsync(parse.GetValue(version), parse.GetValue(auto), ct);
        }));
        return apply;
    }
}
