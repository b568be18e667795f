using System.Security.Cryptography;
using System.Text;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Tests.Updates;
using CertConnector.Adapters.Updates;

namespace CertConnector.Host.Tests.Updates;

/// <summary>
/// One connector (running 0.8.0) against a signed release feed on loopback that lists 0.9.0 (a month old, its package served as listed)
/// and 0.9.1 (its package served with other bytes than the manifest's sha256). The feed's test key is believed through the test-only
/// setting only.
/// </summary>
public sealed class UpdateFixture : IAsyncLifetime
{
    public LoopbackFeed Feed { get; } = new();
    public ConnectorProcess Process { get; private set; } = null!;
    public DateTimeOffset NewerReleased { get; } = DateTimeOffset.UtcNow.AddMonths(-1);
    public byte[] Package090 { get; } = Encoding.UTF8.GetBytes("the 0.9.0 package");

    public ReleaseManifest Manifest(long sequence)
    {
        Feed.Put("/certconnector_0.9.0_amd64.deb", Package090);
        Feed.Put("/certconnector_0.9.1_amd64.deb", "not what was signed"u8.ToArray());
        return new ReleaseManifest(sequence, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(30),
        [
            new Release("0.8.0", DateTimeOffset.UtcNow.AddMonths(-8), "the one running", Feed.BaseUrl + "/certconnector_0.8.0_amd64.deb", new string('0', 64)),
            new Release("0.9.0", NewerReleased, "health probes", Feed.BaseUrl + "/certconnector_0.9.0_amd64.deb", Convert.ToHexStringLower(SHA256.HashData(Package090))),
            new Release("0.9.1", NewerReleased.AddDays(1), "a fix", Feed.BaseUrl + "/certconnector_0.9.1_amd64.deb", Convert.ToHexStringLower(SHA256.HashData("the 0.9.1 package"u8))),
        ]);
    }

    public Task InitializeAsync()
    {
        Feed.Publish(Manifest(10));
        Process = ConnectorProcess.Start(Path.Combine(Feed.Directory, "data"), new Dictionary<string, string>
        {
            ["Updates:FeedUrl"] = Feed.FeedUrl,
            ["Updates:TestOnlyTrustedCertificate"] = Feed.CertificateFile,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Process.Dispose();
        await Feed.DisposeAsync();
    }
}

/// <summary><c>status</c>, <c>cluster show</c> and <c>update check|download|apply</c> through the real process and its CLI.</summary>
public sealed class UpdateCliTests(UpdateFixture fixture) : IClassFixture<UpdateFixture>
{
    private ConnectorProcess Process => fixture.Process;
    private string SupportedUntil => $"{fixture.NewerReleased.AddMonths(6):yyyy-MM-dd}";

    [Fact]
    public void Status_shows_the_version_its_release_date_and_superseded_with_the_end_of_support()
    {
        CliResult status = null!;
        Process.WaitUntil(() =>
        {
            status = Process.Cli("status");
            return status.ExitCode == 0 && status.Json.GetProperty("lifecycle").GetProperty("state").GetString() != "Unknown";
        }, TimeSpan.FromSeconds(30), "the first check of the feed");

        Assert.Equal("0.8.0", status.Json.GetProperty("version").GetString());
        Assert.Equal("2026-12-07", status.Json.GetProperty("releaseDate").GetString());
        var lifecycle = status.Json.GetProperty("lifecycle");
        Assert.Equal("Superseded", lifecycle.GetProperty("state").GetString());
        Assert.Equal("0.9.0", lifecycle.GetProperty("supersededBy").GetString());
        Assert.Equal("Warning", lifecycle.GetProperty("level").GetString());
        Assert.Contains($"supported until {SupportedUntil}", status.Stderr);
        Assert.Contains("TestOnlyTrustedCertificate is set", status.Stderr);
        Assert.Single(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.UpdateTestKeyTrusted.Id));
    }

    [Fact]
    public void Update_check_says_why_and_lists_the_newer_versions_with_notes()
    {
        var check = Process.Cli("update", "check");

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("certconnector 0.8.0 (released 2026-12-07): superseded", check.Stdout);
        Assert.Contains($"supported until {SupportedUntil}", check.Stdout);
        Assert.Contains("0.9.1", check.Stdout);
        Assert.Contains("health probes", check.Stdout);
        Assert.True(check.Stdout.IndexOf("0.9.1", StringComparison.Ordinal) < check.Stdout.IndexOf("0.9.0  released", StringComparison.Ordinal), "newest first");
        Assert.NotEmpty(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.LifecycleStateChanged.Id, "Superseded"));
        Assert.Single(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.UpdateAvailable.Id, "0.9.1"));
    }

    [Fact]
    public void Cluster_show_has_the_members_lifecycle()
    {
        Process.WaitUntil(() => Process.Cli("cluster", "show").Stdout.Contains("superseded (until"), TimeSpan.FromSeconds(30), "the lifecycle in cluster show");

        var json = Process.Cli("cluster", "show", "--json").Json;
        var member = Assert.Single(json.GetProperty("members").EnumerateArray());
        Assert.Equal("Superseded", member.GetProperty("lifecycle").GetProperty("state").GetString());
    }

    [Fact]
    public void Update_download_writes_the_package_whose_sha256_the_signed_manifest_gives()
    {
        var output = Tools.TempDir("update-download");

        var download = Process.Cli("update", "download", "--version", "0.9.0", "--out", output);

        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(fixture.Package090, File.ReadAllBytes(Path.Combine(output, "certconnector_0.9.0_amd64.deb")));
        Assert.Contains("as the signed manifest says", download.Stdout);
        Assert.NotEmpty(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.UpdatePackageDownloaded.Id, "0.9.0"));
    }

    [Fact]
    public void Update_download_refuses_a_package_whose_sha256_differs_and_writes_nothing()
    {
        var output = Tools.TempDir("update-mismatch");

        var download = Process.Cli("update", "download", "--out", output); // the newest: 0.9.1, served with other bytes

        Assert.NotEqual(0, download.ExitCode);
        Assert.Contains("sha256", download.Stderr);
        Assert.Contains("refused", download.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
        Assert.NotEmpty(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.UpdatePackageRefused.Id, "0.9.1"));
    }

    [Fact]
    public void A_badly_signed_or_rolled_back_feed_is_refused_with_its_event_and_the_state_stands()
    {
        try
        {
            fixture.Feed.Put("/feed.cms", Encoding.UTF8.GetBytes("{\"sequence\": 99, \"releases\": []}"));
            var unsigned = Process.Cli("update", "check");
            Assert.True(unsigned.ExitCode == 0, unsigned.ToString());
            Assert.Contains("UpdateFeedUnsigned", unsigned.Stderr);
            Assert.Contains("superseded", unsigned.Stdout); // the last accepted manifest stands

            fixture.Feed.Publish(fixture.Manifest(9));
            var rolledBack = Process.Cli("update", "check");
            Assert.Contains("UpdateFeedRolledBack", rolledBack.Stderr);
            Assert.NotEmpty(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.UpdateFeedUnsigned.Id));
            Assert.NotEmpty(ConnectorLogs.Events(Process.DataDir, ConnectorInternalEvents.UpdateFeedRolledBack.Id, "lower than 10"));
        }
        finally
        {
            fixture.Feed.Publish(fixture.Manifest(10));
        }
    }

    [Fact]
    public void Update_apply_outside_a_systemd_machine_s_root_refuses_and_says_what_to_do_instead()
    {
        var apply = Process.Cli("update", "apply");

        Assert.Equal(2, apply.ExitCode);
        // As root here (PID 1 is not systemd): no service manager to restart it; as anyone else: root is needed first.
        Assert.Contains(Environment.IsPrivilegedProcess ? "dpkg -i and restart the connector yourself" : "run it as root", apply.Stderr);
    }
}
