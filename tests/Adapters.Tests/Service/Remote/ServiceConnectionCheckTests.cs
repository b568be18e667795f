using CertConnector.Host.Tests.Common;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Service.Remote;

namespace CertConnector.Adapters.Tests.Service.Remote;

/// <summary>The start-up check: each way the service channel can be misconfigured has its own code and message.</summary>
public sealed class ServiceConnectionCheckTests
{
    private static async Task<ServiceConnectionException> CheckFails(Func<RemoteServiceOptions, RemoteServiceOptions> adjust, Action<CertConnector.Tests.Emulator.ServiceEmulator>? arrange = null)
    {
        await using var client = await RemoteClient.StartAsync();
        arrange?.Invoke(client.Emulator);
        using var channel = new ServiceChannel(adjust(RemoteClient.Options(client.Emulator)), new RecordingEventLog(), TimeProvider.System);
        return await Assert.ThrowsAsync<ServiceConnectionException>(() =>
            ServiceConnectionCheck.CheckAsync(channel, [ServiceNames.Pki, ServiceNames.ScepValidation], CancellationToken.None));
    }

    [Fact]
    public async Task A_working_configuration_passes()
    {
        await using var client = await RemoteClient.StartAsync();
        await ServiceConnectionCheck.CheckAsync(client.Channel, [ServiceNames.Pki, ServiceNames.ScepValidation], CancellationToken.None);
        Assert.Equal(1, client.Emulator.TokensIssued);
    }

    [Fact]
    public async Task A_rejected_secret()
    {
        var e = await CheckFails(o => o with { ClientSecret = "wrong" });
        Assert.Equal(ServiceFailureCodes.CredentialsRejected, e.Code);
        Assert.Contains("rejected the client credentials", e.Message);
        Assert.Contains("invalid_client", e.Message);
        Assert.DoesNotContain("wrong", e.Message);
    }

    [Fact]
    public async Task An_unreachable_token_endpoint()
    {
        var port = Tools.FreePort();
        var e = await CheckFails(o => o with { TokenUrl = new Uri($"https://127.0.0.1:{port}/token") });
        Assert.Equal(ServiceFailureCodes.TokenEndpointUnreachable, e.Code);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.Contains("cannot be reached", e.Message);
    }

    [Fact]
    public async Task A_tls_failure()
    {
        var e = await CheckFails(o => o with { TrustedRoots = [] });
        Assert.Equal(ServiceFailureCodes.TlsFailure, e.Code);
        Assert.Contains("TLS", e.Message);
        Assert.Contains("TrustedCertificates", e.Message);
    }

    [Fact]
    public async Task A_discovery_answer_without_a_needed_service()
    {
        var e = await CheckFails(o => o, emulator => emulator.DiscoveredServices.Remove(ServiceNames.ScepValidation));
        Assert.Equal(ServiceFailureCodes.DiscoveryMissingService, e.Code);
        Assert.Contains(ServiceNames.ScepValidation, e.Message);
        Assert.Contains("Connector:Service:ScepBaseUri", e.Message);
    }

    [Fact]
    public async Task A_proxy_that_cannot_reach_the_token_endpoint()
    {
        using var proxy = new CertConnector.Tests.Emulator.ForwardProxy(); // answers 502 to a CONNECT it cannot open
        var port = Tools.FreePort();
        var e = await CheckFails(o => o with { Proxy = proxy.Url, TokenUrl = new Uri($"https://127.0.0.1:{port}/token") });
        Assert.Equal(ServiceFailureCodes.ProxyFailure, e.Code);
        Assert.Contains("Connector:Service:Proxy", e.Message);
    }

}
