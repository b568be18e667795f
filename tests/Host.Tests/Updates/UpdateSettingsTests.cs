using CertConnector.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Updates;

/// <summary><c>Connector:Updates:*</c> bound and checked before anything starts (in process).</summary>
public sealed class UpdateSettingsTests
{
    private static ConnectorOptions Bind(params string[] args) =>
        ServerArguments.Bind(new ConfigurationBuilder().AddInMemoryCollection(ServerArguments.Parse(args)).Build());

    [Theory]
    [InlineData("ftp://releases.example.com/feed.cms", "not an https:// URL")]
    [InlineData("http://releases.example.com/feed.cms", "plain http to another machine")]
    public void A_feed_url_that_is_not_https_or_a_file_is_refused(string url, string why)
    {
        var options = Bind($"--Connector:Updates:FeedUrl={url}");

        var e = Assert.Throws<StartupException>(() => StartupChecks.CheckSettings(options));

        Assert.Contains("Connector:Updates:FeedUrl", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void An_https_feed_is_taken_and_the_test_only_key_must_exist()
    {
        var options = Bind("--Connector:Updates:FeedUrl=https://releases.example.com/certconnector/feed.cms", "--Connector:Updates:CheckInterval=01:00:00");
        Assert.True(options.Updates.Enabled);
        Assert.Equal(TimeSpan.FromHours(1), options.Updates.CheckInterval);
        options.Updates.Check();

        options.Updates.TestOnlyTrustedCertificate = "/nonexistent/test-release.crt";
        var e = Assert.Throws<StartupException>(() => options.Updates.Check());
        Assert.Contains("TestOnlyTrustedCertificate", e.Message);
    }

    [Fact]
    public void Without_a_feed_there_is_nothing_to_check()
    {
        Assert.False(Bind().Updates.Enabled);
    }

    [Theory]
    [InlineData("02:00-05:00", "02:00", true)]
    [InlineData("02:00-05:00", "04:59", true)]
    [InlineData("02:00-05:00", "05:00", false)]
    [InlineData("02:00-05:00", "01:59", false)]
    [InlineData("22:00-04:00", "23:30", true)]   // spans midnight
    [InlineData("22:00-04:00", "03:59", true)]
    [InlineData("22:00-04:00", "12:00", false)]
    public void The_automatic_update_window_is_local_time_and_may_span_midnight(string window, string at, bool inside)
    {
        var options = Bind("--Connector:Updates:FeedUrl=https://releases.example.com/feed.cms", "--Connector:Updates:Auto=true", $"--Connector:Updates:AutoWindow={window}");
        StartupChecks.CheckSettings(options);
        Assert.Equal(inside, options.Updates.InAutoWindow(TimeOnly.Parse(at)));
    }

    [Theory]
    [InlineData("--Connector:Updates:Auto=true", "needs Connector:Updates:FeedUrl")]
    [InlineData("--Connector:Updates:AutoWindow=2-5", "not a time range")]
    [InlineData("--Connector:Updates:AutoWindow=03:00-03:00", "not a time range")]
    [InlineData("--Connector:Updates:AutoLease=00:01:00", "at least 00:05:00")]
    public void Automatic_update_settings_that_cannot_work_stop_the_start(string setting, string why)
    {
        var args = setting.Contains("Auto=true") ? new[] { setting } : ["--Connector:Updates:FeedUrl=https://releases.example.com/feed.cms", setting];
        var e = Assert.Throws<StartupException>(() => StartupChecks.CheckSettings(Bind(args)));
        Assert.Contains(why, e.Message);
    }
}
