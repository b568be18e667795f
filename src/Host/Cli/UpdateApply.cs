using System.Diagnostics;
using System.Security.Cryptography;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Updates;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Cli;

/// <summary>
/// <c>certconnector update apply</c>, run by root on the connector's machine. The service (an unprivileged user) fetches the
/// feed and the package through its proxy; root believes neither until it has verified them itself: the feed's signature
/// against the built-in release key, not expired and not older than the instance's mark, the package's sha256 against that
/// manifest, its name and version against the release. Then: the installed package rebuilt as the rollback, dpkg -i (its
/// scripts stop and start the service), and a wait for the new process to be ready. A package that does not install, or whose
/// service is not ready in time, is replaced by the rollback; the command says so and fails.
/// </summary>
public sealed class UpdateApply(AdminClient client, DataDirectory data, string? settingsFile, TimeSpan readyTimeout)
{
    /// <summary>On a RAM file system: the rollback package holds the configuration files, secrets included.</summary>
    private const string WorkDirectory = "/run/certconnector-update";
    private const string Package = "certconnector";

    /// <param name="auto">as certconnector-update.timer runs it: only with <c>Connector:Updates:Auto</c>, inside its window, holding the lease.</param>
    public async Task<int> RunAsync(string? wanted, bool auto, CancellationToken ct)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new CliException("update apply installs a package: run it as root (sudo certconnector update apply).", exitCode: 2);
        if (!Directory.Exists("/run/systemd/system"))
            throw new CliException("update apply restarts the service through systemd, which does not run this machine: 'update download' the package, " +
                                   "install it with dpkg -i and restart the connector yourself.", exitCode: 2);
        var packages = new DebianPackages(Package);
        var installed = packages.InstalledVersion()
                        ?? throw new CliException($"The {Package} package is not installed here: update apply updates an installed package.", exitCode: 2);

        var settings = Settings();
        if (auto && !settings.Auto)
        {
            Console.WriteLine("Automatic updates are off (Connector:Updates:Auto in the settings file): nothing done.");
            return 0;
        }
        if (auto && !settings.InAutoWindow(TimeOnly.FromDateTime(DateTime.Now)))
        {
            Console.WriteLine($"Outside the automatic update window {settings.AutoWindow} (Connector:Updates:AutoWindow, local time): nothing done.");
            return 0;
        }

        var release = await VerifiedReleaseAsync(installed, wanted, settings, ct);
        if (release is null)
        {
            Console.WriteLine($"{Package} {installed} is installed; the release feed lists nothing later.");
            return 0;
        }

        if (Directory.Exists(WorkDirectory)) Directory.Delete(WorkDirectory, recursive: true); // a run killed half-way
        var work = Directory.CreateDirectory(WorkDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        try
        {
            var deb = await DownloadVerifiedAsync(release, work, ct);
            var rollback = Rebuild(packages, work);
            if (auto && await LeaseAsync(release.Version, ct) is { } holder)
            {
                Console.WriteLine($"Another instance is updating ({holder}): this one waits for the next run of the timer.");
                return 0;
            }
            Console.WriteLine($"Installing {Package} {release.Version} over {installed} (sha256 {release.Sha256}, as the signed manifest says).");
            if (await InstallAndWaitAsync(packages, deb, ct) is not { } failure)
            {
                await ReportAsync(new UpdateOutcome(release.Version, installed, true, null), ct);
                Console.WriteLine($"{Package} {release.Version} is installed and ready.");
                return 0;
            }

            await Console.Error.WriteLineAsync($"error: the update to {release.Version} failed: {failure}. Rolling back to {installed}.");
            if (await InstallAndWaitAsync(packages, rollback, ct) is not { } rollbackFailure)
            {
                await ReportAsync(new UpdateOutcome(release.Version, installed, false, failure), ct);
                await Console.Error.WriteLineAsync($"Rolled back: {Package} {installed} is installed and ready again.");
                return 1;
            }
            await Console.Error.WriteLineAsync($"error: the rollback to {installed} failed too: {rollbackFailure}. " +
                                               $"Installed now: {packages.InstalledVersion() ?? "nothing"}. See journalctl -u {Package}.");
            return 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The release to install, from a feed verified here; null when nothing later is listed and none was asked for.</summary>
    private async Task<Release?> VerifiedReleaseAsync(string installed, string? wanted, UpdateSettings settings, CancellationToken ct)
    {
        var feedFile = Path.GetTempFileName();
        ReleaseManifest manifest;
        try
        {
            await client.DownloadAsync("/api/v1/updates/feed", feedFile, ct);
            var feed = await File.ReadAllBytesAsync(feedFile, ct);
            manifest = ReleaseManifestJson.Parse(settings.Signature().Verify(feed));
            FeedHighWater.Judge(manifest, new FeedHighWater(Path.Combine(data.Root, "updates", "feed-mark.json")).Read(), DateTimeOffset.UtcNow);
        }
        catch (FeedRefusedException e)
        {
            throw new CliException($"Refused ({e.Event.Name}): {e.Message}");
        }
        finally
        {
            File.Delete(feedFile);
        }

        if (wanted is not null)
        {
            var release = manifest.Releases.FirstOrDefault(r => r.Version == wanted.Trim())
                          ?? throw new CliException($"The release feed lists no version '{wanted}'. Listed: {string.Join(", ", manifest.Releases.Select(r => r.Version))}.");
            if (!DebianPackages.IsLater(release.Version, installed))
                throw new CliException($"{release.Version} is not later than the installed {installed}: update apply does not go back (install an older package with dpkg -i yourself).");
            return release;
        }
        Release? newest = null;
        foreach (var release in manifest.Releases.Where(r => DebianPackages.IsLater(r.Version, installed)))
            if (newest is null || DebianPackages.IsLater(release.Version, newest.Version)) newest = release;
        return newest;
    }

    /// <summary>
    /// <c>Connector:Updates</c> of the settings file (root's, 0640): whether to update automatically, and the test-only release
    /// certificate beside the built-in key. Not the service's view: root believes only its own file.
    /// </summary>
    private UpdateSettings Settings()
    {
        var settings = new UpdateSettings();
        if (settingsFile is null || !File.Exists(settingsFile)) return settings;
        try
        {
            new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(settingsFile), optional: false).Build().GetSection("Connector:Updates").Bind(settings);
            settings.Check();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException or StartupException)
        {
            throw new CliException($"The settings file {settingsFile}: {e.Message}", exitCode: 2);
        }
        return settings;
    }

    /// <summary>Takes the connector's update lease for this instance: null when granted, else who holds it and until when.</summary>
    private async Task<string?> LeaseAsync(string version, CancellationToken ct)
    {
        try
        {
            await client.SendAsync(HttpMethod.Post, "/api/v1/updates/lease", new UpdateLeaseRequest(version), ct);
            return null;
        }
        catch (CliException e) when (e.Status == 409)
        {
            return e.Message;
        }
    }

    /// <summary>Tells the instance (its new process, or the old version back) what happened: it logs it and gives the lease back.</summary>
    private async Task ReportAsync(UpdateOutcome outcome, CancellationToken ct)
    {
        try
        {
            using var now = AdminClient.Create(null, data.Root); // a restarted instance may listen on another port
            await now.SendAsync(HttpMethod.Post, "/api/v1/updates/outcome", outcome, ct);
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"warning: the instance was not told the outcome ({e.Message}); an update lease it holds expires by itself.");
        }
    }

    private async Task<string> DownloadVerifiedAsync(Release release, string work, CancellationToken ct)
    {
        var deb = Path.Combine(work, $"{Package}_{release.Version}.deb");
        await client.DownloadAsync("/api/v1/updates/packages/" + Uri.EscapeDataString(release.Version), deb, ct);
        string sha256;
        await using (var file = File.OpenRead(deb)) sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        if (!string.Equals(sha256, release.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new CliException($"The package of {release.Version} has sha256 {sha256}, not {release.Sha256} as the signed manifest says: refused, nothing installed.");
        var (name, version) = Fields(deb);
        if (name != Package || version != release.Version)
            throw new CliException($"The package of {release.Version} declares {name} {version}: refused, nothing installed.");
        return deb;
    }

    private static (string, string) Fields(string deb)
    {
        try { return DebianPackages.Fields(deb); }
        catch (PackageToolException e) { throw new CliException(e.Message + " Refused, nothing installed."); }
    }

    private static string Rebuild(DebianPackages packages, string work)
    {
        try { return packages.Rebuild(work); }
        catch (PackageToolException e) { throw new CliException($"No rollback package could be made, so nothing was installed: {e.Message}"); }
    }

    /// <summary>dpkg -i, the service started (the scripts restart it only if it was running), and ready: null, or why not.</summary>
    private async Task<string?> InstallAndWaitAsync(DebianPackages packages, string deb, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        try
        {
            packages.Install(deb);
        }
        catch (PackageToolException e)
        {
            return e.Message;
        }
        using (var start = Process.Start("systemctl", ["start", $"{Package}.service"])) await start.WaitForExitAsync(ct);
        return await WaitReadyAsync(started, ct);
    }

    /// <summary>A process started after <paramref name="since"/> wrote its admin URL (it does so last) and answers /readyz.</summary>
    private async Task<string?> WaitReadyAsync(DateTime since, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + readyTimeout;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var last = "it wrote no admin URL (it did not start)";
        while (DateTime.UtcNow < deadline)
        {
            var file = new FileInfo(data.AdminUrlFile);
            if (file.Exists && file.LastWriteTimeUtc >= since.AddSeconds(-1))
            {
                try
                {
                    using var response = await http.GetAsync((await File.ReadAllTextAsync(file.FullName, ct)).Trim() + "/readyz", ct);
                    if (response.IsSuccessStatusCode) return null;
                    last = $"/readyz answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    last = $"/readyz did not answer ({e.Message})";
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        return $"the service was not ready within {readyTimeout.TotalSeconds:0} s: {last}";
    }
}
