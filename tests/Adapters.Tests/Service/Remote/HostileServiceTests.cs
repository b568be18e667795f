using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Tests.Emulator;
using Microsoft.AspNetCore.Http;

namespace CertConnector.Adapters.Tests.Service.Remote;

/// <summary>
/// A broken or hostile service (redirects, endless, slow or huge bodies, bad or deep JSON, odd expires_in, discovery
/// pointing at plain http) costs the connector one failed attempt, logged with the call's failure event: never its
/// memory, its stack, a stalled call, or the bearer token or client secret sent somewhere else.
/// </summary>
public sealed class HostileServiceTests
{
    /// <summary>Upper bound for a call that must end by itself; only a guard so a regression fails instead of hanging the run.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static Task<RemoteClient> StartAsync(Func<RemoteServiceOptions, RemoteServiceOptions>? adjust = null) =>
        RemoteClient.StartAsync(o => (adjust ?? (x => x))(o with { AttemptTimeout = TimeSpan.FromSeconds(5), MaxAttempts = 2 }));

    private static Task<IReadOnlyList<Actors.Ports.PkcsRequest>> DownloadAsync(RemoteClient client) =>
        new RemotePkcsService(client.Channel, client.Log).DownloadPkcsRequestsAsync(10, CancellationToken.None).WaitAsync(Guard);

    [Fact]
    public async Task A_redirect_of_a_service_call_is_not_followed_and_fails_the_attempt()
    {
        await using var client = await StartAsync();
        await using var elsewhere = await ServiceEmulator.StartAsync();
        client.Emulator.AddFault(new Fault
        {
            PathContains = "downloadPkcsRequests", Status = 307, Times = 10,
            Respond = c => Redirect(c, new Uri(elsewhere.PkiUri, "CertificateAuthorityRequests/downloadPkcsRequests")),
        });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => DownloadAsync(client));

        Assert.Empty(elsewhere.Calls);
        Assert.Contains("redirects are not followed", error.Message);
        var failure = Assert.Single(client.Log.Events, e => e.Definition == ConnectorEvents.PkcsDownloadFailure);
        Assert.Equal(307, failure.Properties!["status"]);
    }

    [Fact]
    public async Task A_redirect_of_the_token_endpoint_never_carries_the_client_secret_elsewhere()
    {
        await using var client = await StartAsync();
        await using var elsewhere = await ServiceEmulator.StartAsync();
        client.Emulator.AddFault(new Fault { PathContains = "/oauth2/token", Status = 307, Times = 10, Respond = c => Redirect(c, elsewhere.TokenUrl) });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => client.Channel.Tokens.GetAsync(CancellationToken.None).WaitAsync(Guard));

        Assert.Equal(ServiceFailureCodes.TokenEndpointUnreachable, error.Code);
        Assert.Contains("redirects are not followed", error.Message);
        Assert.Empty(elsewhere.Calls);
    }

    [Fact]
    public async Task A_body_announcing_ten_gigabytes_is_refused_without_being_read()
    {
        await using var client = await StartAsync();
        client.Emulator.AddFault(new Fault
        {
            PathContains = "downloadPkcsRequests", Status = 200, Times = 2,
            Respond = async c =>
            {
                c.Response.ContentType = "application/json";
                c.Response.ContentLength = 10L * 1024 * 1024 * 1024;
                await c.Response.WriteAsync("{\"value\":[", c.RequestAborted);
                await c.Response.Body.FlushAsync(c.RequestAborted);
                await Task.Delay(Timeout.Infinite, c.RequestAborted); // never sends the rest: only the announcement can refuse it in time
            },
        });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => DownloadAsync(client));

        Assert.Equal(ServiceFailureCodes.BadAnswer, error.Code);
        Assert.Contains("announces 10737418240 bytes", error.Message);
        Assert.Equal(2, client.Log.Events.Count(e => e.Definition == ConnectorEvents.PkcsDownloadFailure));
    }

    [Fact]
    public async Task An_endless_body_is_cut_at_the_cap_and_the_next_call_succeeds()
    {
        await using var client = await StartAsync(o => o with { MaxResponseBytes = 1024 * 1024 });
        client.Emulator.AddFault(new Fault
        {
            PathContains = "downloadPkcsRequests", Status = 200, Times = 2,
            Respond = async c =>
            {
                c.Response.ContentType = "application/json";
                var spaces = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024)); // valid JSON whitespace, for ever
                while (!c.RequestAborted.IsCancellationRequested) await c.Response.Body.WriteAsync(spaces, c.RequestAborted);
            },
        });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => DownloadAsync(client));
        Assert.Equal(ServiceFailureCodes.BadAnswer, error.Code);
        Assert.Contains("larger than 1048576 bytes", error.Message);

        client.Emulator.EnqueuePkcs(RemoteClient.PkcsRequest("after-endless", [0x30, 0x03, 0x02, 0x01, 0x01]));
        Assert.Equal("after-endless", Assert.Single(await DownloadAsync(client)).RequestId);
    }

    [Fact]
    public async Task A_token_endpoint_that_trickles_its_body_runs_into_the_attempt_timeout()
    {
        await using var client = await StartAsync(o => o with { AttemptTimeout = TimeSpan.FromSeconds(2) });
        client.Emulator.AddFault(new Fault
        {
            PathContains = "/oauth2/token", Status = 200, Times = 1,
            Respond = async c =>
            {
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync("{", c.RequestAborted);
                while (true)
                {
                    await c.Response.Body.FlushAsync(c.RequestAborted);
                    await Task.Delay(200, c.RequestAborted);
                    await c.Response.WriteAsync(" ", c.RequestAborted);
                }
            },
        });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => client.Channel.Tokens.GetAsync(CancellationToken.None).WaitAsync(Guard));

        Assert.Equal(ServiceFailureCodes.TokenEndpointUnreachable, error.Code);
        Assert.Contains("did not answer within 2 s", error.Message);
        Assert.NotEmpty(await client.Channel.Tokens.GetAsync(CancellationToken.None).WaitAsync(Guard)); // and the next try gets one
    }

    [Theory]
    [InlineData("{\"value\":[{\"requestId\":")]
    [InlineData("<html>not json</html>")]
    [InlineData("{\"value\":\"not a list\"}")]
    public async Task Malformed_json_is_a_bad_answer_logged_with_the_calls_failure_event(string body)
    {
        await using var client = await StartAsync();
        client.Emulator.AddFault(new Fault { PathContains = "downloadPkcsRequests", Status = 200, Times = 2, Respond = c => Json(c, body) });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => DownloadAsync(client));

        Assert.Equal(ServiceFailureCodes.BadAnswer, error.Code);
        Assert.Equal(2, client.Log.Events.Count(e => e.Definition == ConnectorEvents.PkcsDownloadFailure));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(100_000)]
    public async Task Deeply_nested_json_is_refused_even_in_a_property_the_connector_ignores(int depth)
    {
        await using var client = await StartAsync();
        var nested = new string('[', depth) + new string(']', depth);
        client.Emulator.AddFault(new Fault { PathContains = "downloadPkcsRequests", Status = 200, Times = 2, Respond = c => Json(c, $"{{\"value\":[],\"extra\":{nested}}}") });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => DownloadAsync(client));

        Assert.Equal(ServiceFailureCodes.BadAnswer, error.Code);
        Assert.Contains("depth", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("0", 60)]
    [InlineData("-5", 60)]
    [InlineData("1", 60)]
    [InlineData("59.9", 60)]
    [InlineData("600", 600)]
    [InlineData("\"600\"", 600)]
    [InlineData("86400", 86400)]
    [InlineData("1e300", 86400)]
    [InlineData("-1e300", 60)]
    [InlineData("1e400", 86400)]
    [InlineData("\"NaN\"", 3600)]
    [InlineData("\"abc\"", 3600)]
    [InlineData("true", 3600)]
    [InlineData("null", 3600)]
    [InlineData("{}", 3600)]
    public void Expires_in_is_clamped_to_a_minute_and_a_day(string expiresIn, int seconds)
    {
        using var answer = JsonDocument.Parse($"{{\"access_token\":\"t\",\"expires_in\":{expiresIn}}}");
        Assert.Equal(TimeSpan.FromSeconds(seconds), ServiceTokens.Lifetime(answer.RootElement));
    }

    [Fact]
    public async Task A_token_said_to_expire_at_once_is_still_reused_for_half_a_minute()
    {
        var clock = new ManualTimeProvider();
        await using var emulator = await ServiceEmulator.StartAsync();
        emulator.TokenLifetimeSeconds = 0;
        using var channel = new ServiceChannel(RemoteClient.Options(emulator), new CertConnector.Adapters.Logging.RecordingEventLog(), clock);

        var first = await channel.Tokens.GetAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(first, await channel.Tokens.GetAsync(CancellationToken.None));
        Assert.Equal(1, emulator.TokensIssued);

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.NotEqual(first, await channel.Tokens.GetAsync(CancellationToken.None));
        Assert.Equal(2, emulator.TokensIssued);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("relative")]
    [InlineData("userinfo")]
    public async Task A_discovered_uri_that_is_not_absolute_https_is_refused_at_start_and_never_called(string kind)
    {
        var plain = new TcpListener(IPAddress.Loopback, 0);
        plain.Start();
        try
        {
            var port = ((IPEndPoint)plain.LocalEndpoint).Port;
            await using var client = await StartAsync();
            var uri = kind switch
            {
                "http" => $"http://127.0.0.1:{port}/pki/",
                "relative" => "/pki/",
                _ => $"https://user:secret@127.0.0.1:{port}/pki/",
            };
            client.Emulator.AddFault(new Fault
            {
                PathContains = "/discovery", Status = 200, Times = 100,
                Respond = c => Json(c, JsonSerializer.Serialize(new { value = new[] { new { providerName = ServiceNames.Pki, uri } } })),
            });

            var error = await Assert.ThrowsAsync<ServiceConnectionException>(() =>
                ServiceConnectionCheck.CheckAsync(client.Channel, [ServiceNames.Pki], CancellationToken.None).WaitAsync(Guard));
            Assert.Equal(ServiceFailureCodes.BadAnswer, error.Code);
            Assert.Contains("not an absolute https URI", error.Message);
            Assert.Contains("Connector:Service:PkiBaseUri", error.Message);

            // At run time too: the call fails with its own event and nothing reaches the plain listener.
            await Assert.ThrowsAsync<ConnectorFailureException>(() => DownloadAsync(client));
            Assert.Equal(2, client.Log.Events.Count(e => e.Definition == ConnectorEvents.PkcsDownloadFailure));
            Assert.False(plain.Pending());
        }
        finally
        {
            plain.Stop();
        }
    }

    private static Task Redirect(HttpContext context, Uri to)
    {
        context.Response.StatusCode = 307;
        context.Response.Headers.Location = to.ToString();
        return Task.CompletedTask;
    }

    private static Task Json(HttpContext context, string body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }
}
