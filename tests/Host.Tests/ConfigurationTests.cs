using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests;

/// <summary>Operator settings (command line, environment) override the code's defaults, and reach Akka.</summary>
public sealed class ConfigurationTests
{
    private static ConnectorOptions Bind(string[] args, IDictionary<string, string?>? environment = null) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(environment ?? new Dictionary<string, string?>())
            .AddCommandLine(args, ServerApp.Switches)
            .Build()
            .GetSection(ConnectorOptions.Section).Get<ConnectorOptions>() ?? new ConnectorOptions();

    [Fact]
    public void Defaults_are_the_embedded_single_node()
    {
        var options = Bind([]);
        Assert.Equal(("data", "http://127.0.0.1:5080", "http://127.0.0.1:8080"), (options.DataDir, options.AdminUrl, options.Scep.ListenUrl));
        Assert.Equal(["pkcs", "scep"], options.Roles);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Scep.ResponseBudget);
    }

    [Fact]
    public void Switches_and_keys_override_the_defaults()
    {
        var options = Bind(["--data-dir", "/var/lib/cc", "--scep-url", "http://0.0.0.0:9000", "--Connector:Pkcs:BatchSize=7",
            "--Connector:Pkcs:PollInterval=00:00:02", "--Connector:Scep:Enabled=false"],
            new Dictionary<string, string?> { ["Connector:Pkcs:MaxInFlight"] = "11" });
        Assert.Equal("/var/lib/cc", options.DataDir);
        Assert.Equal("http://0.0.0.0:9000", options.Scep.ListenUrl);
        Assert.Equal((7, 11, TimeSpan.FromSeconds(2)), (options.Pkcs.BatchSize, options.Pkcs.MaxInFlight, options.Pkcs.PollInterval));
        Assert.Equal(["pkcs"], options.Roles); // work is routed only to nodes with the feature
    }

    [Fact]
    public void The_hocon_gets_the_data_directory_and_the_roles()
    {
        var data = Tools.TempDir("hocon");
        var options = Bind(["--data-dir", data, "--Connector:Pkcs:Enabled=false"]);
        var config = AkkaComposition.LoadHocon(options);
        Assert.Equal(["scep"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal($"Data Source={Path.GetFullPath(data)}/connector.db", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
    }
}
