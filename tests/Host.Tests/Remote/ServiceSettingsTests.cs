using CertConnector.Host.Configuration;

namespace CertConnector.Host.Tests.Remote;

/// <summary>Connector:Service:* checked without the network: each mistake is a StartupException that names the fix.</summary>
public sealed class ServiceSettingsTests
{
    private static ServiceSettings Remote() => new()
    {
        Mode = "remote",
        TokenUrl = "https://login.example.com/token",
        ClientId = "client",
        ClientSecret = "secret",
        DiscoveryUrl = "https://service.example.com/discovery",
    };

    [Theory]
    [InlineData("proxy:8080", "write the proxy as a full URL: http://proxy:8080")]
    [InlineData("10.0.0.1:3128", "http://10.0.0.1:3128")]
    [InlineData("proxy.example.com", "http://proxy.example.com")]
    [InlineData("ftp://proxy:21", "is not an http:// or https:// proxy URL")]
    public void A_proxy_without_a_usable_scheme_is_refused_with_the_fix(string proxy, string expected)
    {
        var e = Assert.Throws<StartupException>(() => ServiceSettings.ParseProxy(proxy));
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Connector:Service:Proxy", e.Message);
    }

    [Theory]
    [InlineData("http://proxy:8080")]
    [InlineData("https://proxy.example.com:443")]
    public void A_full_proxy_url_is_taken(string proxy) => Assert.Equal(new Uri(proxy), ServiceSettings.ParseProxy(proxy));

    [Fact]
    public void Standalone_is_the_default_and_needs_no_service_settings()
    {
        var options = new ConnectorOptions();
        Assert.False(options.Service.IsRemote);
        Assert.Equal("standalone", options.Service.Mode);
    }

    [Fact]
    public void A_complete_remote_configuration_builds_the_channel_options()
    {
        var settings = Remote();
        settings.Proxy = "http://proxy:8080";
        settings.PkiBaseUri = "https://pki.example.com/";
        var remote = settings.ToRemoteOptions();
        Assert.Equal(new Uri("http://proxy:8080"), remote.Proxy);
        Assert.Equal(new Uri("https://pki.example.com/"), remote.BaseUris["PkiConnectorFEService"]);
        Assert.Equal("1.0", remote.ApiVersion);
    }

    [Fact]
    public void Missing_or_wrong_settings_each_name_the_setting()
    {
        Assert.Contains("Connector:Service:TokenUrl", Assert.Throws<StartupException>(() => Remote().Changed(s => s.TokenUrl = null).ToRemoteOptions()).Message);
        Assert.Contains("Connector:Service:ClientId", Assert.Throws<StartupException>(() => Remote().Changed(s => s.ClientId = "").ToRemoteOptions()).Message);
        Assert.Contains("ClientSecret nor Connector:Service:ClientCertificate", Assert.Throws<StartupException>(() => Remote().Changed(s => s.ClientSecret = null).ToRemoteOptions()).Message);
        Assert.Contains("no service address", Assert.Throws<StartupException>(() => Remote().Changed(s => s.DiscoveryUrl = null).ToRemoteOptions()).Message);
        Assert.Contains("always TLS", Assert.Throws<StartupException>(() => Remote().Changed(s => s.TokenUrl = "http://login.example.com/token").ToRemoteOptions()).Message);
        Assert.Contains("does not exist", Assert.Throws<StartupException>(() => Remote().Changed(s => s.TrustedCertificates = "/nonexistent.pem").ToRemoteOptions()).Message);
    }
}

internal static class SettingsEdit
{
    /// <summary>Changes the settings in place and returns them (ServiceSettings is a mutable options class, as configuration binds it).</summary>
    public static ServiceSettings Changed(this ServiceSettings settings, Action<ServiceSettings> change)
    {
        change(settings);
        return settings;
    }
}
