using CertConnector.Host.Configuration;

namespace CertConnector.Host.Tests.Configuration;

public sealed class StartupRefusalTests
{
    [Fact]
    public void A_start_refused_after_the_data_directory_was_taken_is_in_its_operational_log_as_0001_with_the_console_line()
    {
        var dir = Path.Combine(Tools.TempDir("startup-refusal"), "data");
        Directory.CreateDirectory(dir);

        StartupRefusal.Record(null, new DataDirectory(dir), new ConnectorOptions(),
            new StartupException("Cannot open the database: connection refused (127.0.0.1:1)."));
        StartupRefusal.Record(null, new DataDirectory(dir), new ConnectorOptions(), new InvalidOperationException("the CA key does not open"));

        var logged = ConnectorLogs.Events(dir, 1);
        Assert.Equal(["Cannot open the database: connection refused (127.0.0.1:1).", "The connector could not start: the CA key does not open"],
            logged.Select(e => e.GetProperty("message").GetString()));
        Assert.All(logged, e => Assert.Equal(("StartupRefused", "Error"), (e.GetProperty("eventName").GetString(), e.GetProperty("level").GetString())));
    }
}
