using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Scep;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>Operator settings (command line, environment) override the code's defaults, and reach Akka.</summary>
public sealed class ConfigurationTests
{
    private static ConnectorOptions Bind(string[] args, IDictionary<string, string?>? environment = null) =>
        ServerArguments.Bind(new ConfigurationBuilder()
            .AddInMemoryCollection(environment ?? new Dictionary<string, string?>())
            .AddInMemoryCollection(ServerArguments.Parse(args))
            .Build());

    [Fact]
    public void Defaults_are_the_embedded_single_node()
    {
        var options = Bind([]);
        Assert.Equal(("data", "http://127.0.0.1:5080", "http://127.0.0.1:8080"), (options.DataDir, options.AdminUrl, options.Feature<ScepOptions>().ListenUrl));
        Assert.Equal(["pkcs", "scep", "revocation", "pkcs-import", "recrypt"], options.Roles);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Feature<ScepOptions>().ResponseBudget);
    }

    [Fact]
    public void Switches_and_keys_override_the_defaults()
    {
        var options = Bind(["--data-dir", "/var/lib/cc", "--scep-url", "http://0.0.0.0:9000", "--Connector:Pkcs:BatchSize=7",
            "--Connector:Pkcs:PollInterval=00:00:02", "--Connector:Scep:Enabled=false", "--Connector:Revocation:Enabled=false",
            "--Connector:PkcsImport:Enabled=false", "--Connector:Recrypt:Enabled=false"],
            new Dictionary<string, string?> { ["Connector:Pkcs:MaxInFlight"] = "11" });
        Assert.Equal("/var/lib/cc", options.DataDir);
        Assert.Equal("http://0.0.0.0:9000", options.Feature<ScepOptions>().ListenUrl);
        Assert.Equal((7, 11, TimeSpan.FromSeconds(2)), (options.Feature<PkcsOptions>().BatchSize, options.Feature<PkcsOptions>().MaxInFlight, options.Feature<PkcsOptions>().PollInterval));
        Assert.Equal(["pkcs"], options.Roles); // work is routed only to nodes with the feature
    }

    [Fact]
    public void The_hocon_gets_the_data_directory_and_the_roles()
    {
        var data = Tools.TempDir("hocon");
        var options = Bind(["--data-dir", data, "--Connector:Pkcs:Enabled=false", "--Connector:Revocation:Enabled=false",
            "--Connector:PkcsImport:Enabled=false", "--Connector:Recrypt:Enabled=false"]);
        var config = AkkaComposition.LoadHocon(options);
        Assert.Equal(["scep"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal($"Data Source={Path.GetFullPath(data)}/connector.db", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
    }

    [Theory]
    [InlineData("--Connector:Scep:Enabeld=false", "Unknown setting 'Connector:Scep:Enabeld'. Did you mean 'Connector:Scep:Enabled'?")]
    [InlineData("--admin-ur", "Unknown option '--admin-ur'. Did you mean '--admin-url'?")]
    [InlineData("--Connector:Pkcs:BatchSize=lots", "'lots' is not a valid value")]
    [InlineData("stray", "Unexpected argument 'stray'")]
    [InlineData("--Connector:Pkcs:PollInterval=-00:00:01", "Connector:Pkcs:PollInterval must be greater than zero")]
    [InlineData("--Connector:Pkcs:BatchSize=0", "Connector:Pkcs:BatchSize must be greater than zero")]
    [InlineData("--Connector:Admin:MaxSubjectAltNames=-1", "Connector:Admin:MaxSubjectAltNames must be greater than zero")]
    [InlineData("--Connector:Ca:KeySpec=rsa:1024", "Connector:Ca:KeySpec 'rsa:1024' is not supported")]
    [InlineData("--Connector:Ca:OcspKeySpec=ec:p521", "Connector:Ca:OcspKeySpec 'ec:p521' is not supported")]
    [InlineData("--Connector:Pkcs:KeyPoolKeySpecs=rsa:2048,rsa:1024", "Connector:Pkcs:KeyPoolKeySpecs names 'rsa:1024', which is not a supported key spec")]
    [InlineData("--Connector:Pkcs:KeyPoolSize=0", "Connector:Pkcs:KeyPoolSize must be greater than zero")]
    public void Typos_in_options_and_settings_are_refused_with_the_nearest_name(string arg, string expected)
    {
        var e = Assert.Throws<StartupException>(() => Bind([arg]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_switch_whose_value_is_missing_or_another_option_is_refused()
    {
        Assert.Contains("needs a value", Assert.Throws<StartupException>(() => Bind(["--data-dir", "--data-dir"])).Message);
        Assert.Contains("needs a value", Assert.Throws<StartupException>(() => Bind(["--data-dir"])).Message);
    }

    [Fact]
    public void An_unknown_setting_from_the_environment_is_refused_too()
    {
        var e = Assert.Throws<StartupException>(() => Bind([], new Dictionary<string, string?> { ["Connector:Pkcs:MaxInflight"] = "3", ["Connector:Pkcs:BatchSise"] = "3" }));
        Assert.Contains("'Connector:Pkcs:BatchSise'. Did you mean 'Connector:Pkcs:BatchSize'?", e.Message);
    }

    [Fact]
    public void Every_setting_name_is_offered_and_binds()
    {
        var names = ServerArguments.SettingNames().ToList();
        Assert.Contains("Connector:Scep:ListenUrl", names);
        Assert.Contains("Connector:Standalone:LeaseDuration", names);
        Assert.DoesNotContain("Connector:Roles", names); // computed, not a setting
    }
}
