using System.Text.Json;

namespace CertConnector.Host.Tests.Admin;

/// <summary>Standalone mode keeps its queue-based inspection; status says the mode, with no service and no health message.</summary>
public sealed class StandaloneInspectionTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private ConnectorProcess Process => connector.Process;

    [Fact]
    public void Status_shows_standalone_mode_without_service_or_health_message()
    {
        var status = Process.Cli("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        var service = status.Json.GetProperty("service");
        Assert.Equal("standalone", service.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, service.GetProperty("discoveryUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, service.GetProperty("lastHealth").ValueKind);
        Assert.Contains("no management service", service.GetProperty("healthNote").GetString());
    }

    [Fact]
    public void An_ID_in_no_queue_is_asked_of_the_actors_too_and_is_a_404_saying_where_it_looked()
    {
        var id = $"nowhere-{Guid.NewGuid():N}";
        var show = Process.Cli("requests", "show", id);
        Assert.True(show.ExitCode == 1, show.ToString());
        Assert.Contains($"No request '{id}': it is in no queue and no request actor knows it.", show.Stderr);
        var pkcs = Process.Cli("pkcs", "show", id);
        Assert.True(pkcs.ExitCode == 1, pkcs.ToString());
        Assert.Contains($"No PKCS request '{id}'", pkcs.Stderr);
    }
}
