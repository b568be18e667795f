using CertConnector.Tests.Emulator;
using Microsoft.AspNetCore.Http;

namespace CertConnector.Host.Tests.Remote;

/// <summary>
/// The real connector against a service whose downloads turn hostile (a 10 GB announcement, JSON nested
/// thousands deep, a redirect to another host): it logs each failed download with PkcsDownloadFailure (1003),
/// keeps answering its admin API, and issues the request once the service answers properly again.
/// </summary>
[Trait("Category", "Slow")]
public sealed class HostileServiceProcessTests
{
    [Fact]
    public async Task Hostile_download_answers_are_logged_the_admin_api_keeps_answering_and_the_request_completes_later()
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        await using var elsewhere = await ServiceEmulator.StartAsync();
        var dir = Tools.TempDir("remote-hostile");
        var id = $"rh-{Guid.NewGuid():N}";
        emulator.AddFault(new Fault
        {
            PathContains = "downloadPkcsRequests", Status = 200, Times = 2,
            Respond = async c =>
            {
                c.Response.ContentLength = 10L * 1024 * 1024 * 1024;
                await c.Response.WriteAsync("{\"value\":[", c.RequestAborted);
                await c.Response.Body.FlushAsync(c.RequestAborted);
                await Task.Delay(Timeout.Infinite, c.RequestAborted);
            },
        });
        emulator.AddFault(new Fault
        {
            PathContains = "downloadPkcsRequests", Status = 200, Times = 2,
            Respond = c => c.Response.WriteAsync("{\"value\":[],\"extra\":" + new string('[', 50_000) + new string(']', 50_000) + "}", c.RequestAborted),
        });
        emulator.AddFault(new Fault
        {
            PathContains = "downloadPkcsRequests", Status = 307, Times = 2,
            Respond = c =>
            {
                c.Response.StatusCode = 307;
                c.Response.Headers.Location = new Uri(elsewhere.PkiUri, "CertificateAuthorityRequests/downloadPkcsRequests").ToString();
                return Task.CompletedTask;
            },
        });
        emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);

        using var connector = RemoteConnector.Start(emulator, Path.Combine(dir, "data"));
        RemoteConnector.WaitFor(connector, () => ConnectorLogs.Events(connector.DataDir, 1003, "announces 10737418240 bytes").Count > 0
                                                 && ConnectorLogs.Events(connector.DataDir, 1003, "depth").Count > 0
                                                 && ConnectorLogs.Events(connector.DataDir, 1003, "redirects are not followed").Count > 0,
            "the three hostile downloads to be logged");

        var status = connector.Cli("status");
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("remote", status.Stdout);

        RemoteConnector.WaitFor(connector, () => RemoteConnector.ResultsFor(emulator, id) > 0, "the request to be issued once the service answers properly");
        Assert.Empty(elsewhere.Calls);
        Assert.False(connector.HasExited);
    }
}
