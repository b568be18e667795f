using System.Text.Json.Nodes;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Tests.Emulator;

namespace CertConnector.Adapters.Tests.Service.Remote;

/// <summary>The service channel against the emulator (docs/DESIGN.md §8): headers, retries, Retry-After, 4xx, tokens, discovery.</summary>
public sealed class ServiceChannelTests
{
    private static readonly byte[] DeviceCertificate = [0x30, 0x03, 0x02, 0x01, 0x01];

    [Fact]
    public async Task A_download_carries_bearer_api_version_and_a_client_request_id_and_maps_the_request()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueuePkcs(RemoteClient.PkcsRequest("r-1", DeviceCertificate));
        var service = new RemotePkcsService(client.Channel, client.Log);

        var requests = await service.DownloadPkcsRequestsAsync(10, CancellationToken.None);

        var request = Assert.Single(requests);
        Assert.Equal("r-1", request.RequestId);
        Assert.Equal("CN=Alice Example,O=Contoso", request.SubjectName);
        Assert.Equal(new SubjectAltName("upn", "alice@contoso.com"), Assert.Single(request.SubjectAlternativeNames));
        Assert.Equal(KeySpec.Parse("rsa:2048"), request.KeySpec);
        Assert.Equal(DeviceCertificate, request.DeviceCertificate);
        Assert.Equal(30, request.ValidityDays);
        var call = Assert.Single(client.Emulator.CallsTo("downloadPkcsRequests"));
        Assert.StartsWith("Bearer tok-", call.Authorization);
        Assert.Equal("1.0", call.ApiVersion);
        Assert.True(Guid.TryParse(call.ClientRequestId, out _), call.ClientRequestId);
        Assert.Contains("\"maxRequests\":10", call.Body);
    }

    [Fact]
    public async Task Five_hundred_and_threes_are_retried_with_one_client_request_id_written_into_each_failure_event()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.AddFault(new Fault { PathContains = "uploadPkcsResults", Times = 2, Status = 503 });
        var service = new RemotePkcsService(client.Channel, client.Log);

        await service.UploadPkcsResultsAsync([new PkcsResult("r-2", false, "X", "failed")], CancellationToken.None);

        var calls = client.Emulator.CallsTo("uploadPkcsResults");
        Assert.Equal([503, 503, 200], calls.Select(c => c.Status));
        var id = Assert.Single(calls.Select(c => c.ClientRequestId).Distinct());
        var failures = client.Log.Events.Where(e => e.Definition == ConnectorEvents.PkcsUploadFailure).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, e => Assert.Equal(id, e.ClientRequestId));
        Assert.All(failures, e => Assert.Equal("r-2", e.RequestId));
        Assert.Single(client.Emulator.PkcsResults);
    }

    [Fact]
    public async Task Retry_After_of_a_429_is_the_pause_before_the_next_attempt()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.AddFault(new Fault { PathContains = "downloadRevocationRequests", Status = 429, RetryAfter = TimeSpan.FromSeconds(2) });
        var service = new RemoteRevocationService(client.Channel, client.Log);

        await service.DownloadRevocationRequestsAsync(5, CancellationToken.None);

        var calls = client.Emulator.CallsTo("downloadRevocationRequests");
        Assert.Equal([429, 200], calls.Select(c => c.Status));
        var failure = Assert.Single(client.Log.Events, e => e.Definition == ConnectorEvents.RevokeDownloadFailure);
        Assert.Equal(2000L, failure.Properties!["retryInMs"]);
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(1.9), $"second attempt {calls[1].At - calls[0].At} after the 429");
    }

    [Fact]
    public async Task A_4xx_other_than_401_is_final_and_not_retried()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.AddFault(new Fault { PathContains = "uploadRevocationResults", Status = 400, Times = 5 });
        var service = new RemoteRevocationService(client.Channel, client.Log);

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() =>
            service.UploadRevocationResultsAsync([new RevocationRequestResult("v-1", true)], CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Equal(ServiceFailureCodes.Rejected, error.Code);
        Assert.Single(client.Emulator.CallsTo("uploadRevocationResults"));
    }

    [Fact]
    public async Task Retries_end_after_MaxAttempts_with_a_retryable_failure()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.AddFault(new Fault { PathContains = "downloadPkcsRequests", Status = 502, Times = 10 });

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() =>
            new RemotePkcsService(client.Channel, client.Log).DownloadPkcsRequestsAsync(1, CancellationToken.None));

        Assert.True(error.Retryable);
        Assert.Equal(4, client.Emulator.CallsTo("downloadPkcsRequests").Count);
    }

    [Fact]
    public async Task A_stalled_answer_times_out_and_is_retried()
    {
        await using var client = await RemoteClient.StartAsync(o => o with { AttemptTimeout = TimeSpan.FromMilliseconds(700) });
        await client.Channel.Tokens.GetAsync(CancellationToken.None);
        client.Emulator.AddFault(new Fault { PathContains = "uploadHealthMessages", Stall = TimeSpan.FromSeconds(5), Status = 200 });

        await new RemoteHealthService(client.Channel).UploadHealthMessagesAsync([Message()], CancellationToken.None);

        Assert.Single(client.Emulator.HealthMessages);
        Assert.Contains(client.Log.Events, e => e.Definition == ConnectorEvents.HealthMessageUploadFailedAttempt && e.Message.Contains("did not answer"));
    }

    [Fact]
    public async Task The_token_is_cached_across_calls()
    {
        await using var client = await RemoteClient.StartAsync();
        var service = new RemotePkcsService(client.Channel, client.Log);
        for (var i = 0; i < 3; i++) await service.DownloadPkcsRequestsAsync(1, CancellationToken.None);
        Assert.Equal(1, client.Emulator.TokensIssued);
        Assert.Single(client.Emulator.Calls.Select(c => c.Authorization).Where(a => a!.Length > 0).Distinct());
    }

    [Fact]
    public async Task A_401_renews_the_token_once_and_goes_on()
    {
        await using var client = await RemoteClient.StartAsync();
        var service = new RemotePkcsService(client.Channel, client.Log);
        await service.DownloadPkcsRequestsAsync(1, CancellationToken.None);
        client.Emulator.RevokeIssuedTokens();

        await service.DownloadPkcsRequestsAsync(1, CancellationToken.None);

        Assert.Equal(2, client.Emulator.TokensIssued);
        Assert.Equal([200, 401, 200], client.Emulator.CallsTo("downloadPkcsRequests").Select(c => c.Status));
    }

    [Fact]
    public async Task A_401_to_a_fresh_token_too_is_a_clear_final_error()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.RejectAllTokens = true;

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() =>
            new RemotePkcsService(client.Channel, client.Log).DownloadPkcsRequestsAsync(1, CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Equal(ServiceFailureCodes.TokenRejected, error.Code);
        Assert.Contains("not authorized", error.Message);
        Assert.Equal(2, client.Emulator.TokensIssued);
        Assert.Equal(2, client.Emulator.Calls.Count(c => c.Status == 401)); // the first token, then the renewed one
    }

    [Fact]
    public async Task Discovery_is_cached_and_the_cache_is_dropped_on_a_transport_failure()
    {
        await using var client = await RemoteClient.StartAsync();
        var service = new RemotePkcsService(client.Channel, client.Log);
        await service.DownloadPkcsRequestsAsync(1, CancellationToken.None);
        await service.DownloadPkcsRequestsAsync(1, CancellationToken.None);
        Assert.Equal(1, client.Channel.Discovery.Fetches);
        Assert.Single(client.Emulator.CallsTo("/discovery"));

        client.Emulator.AddFault(new Fault { PathContains = "downloadPkcsRequests", Drop = true });
        await service.DownloadPkcsRequestsAsync(1, CancellationToken.None);

        Assert.Equal(2, client.Channel.Discovery.Fetches);
        Assert.Equal(2, client.Emulator.CallsTo("/discovery").Count);
    }

    [Fact]
    public async Task A_discovery_answer_without_the_service_is_a_final_error_naming_it()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.DiscoveredServices.Remove(ServiceNames.ScepValidation);

        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => new RemoteScepService(client.Channel)
            .ValidateAsync(new ScepValidationRequest("t-1", [1, 2, 3], null, "caller"), CancellationToken.None));

        Assert.Equal(ServiceFailureCodes.DiscoveryMissingService, error.Code);
        Assert.Contains(ServiceNames.ScepValidation, error.Message);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task Scep_validation_and_notifications_use_the_scep_service()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.Validate = r => (string)r["transactionId"]! == "good" ? ("Success", null) : ("ChallengeExpired", "challenge expired");
        var scep = new RemoteScepService(client.Channel);

        Assert.True((await scep.ValidateAsync(new ScepValidationRequest("good", [1], "pw", "c"), CancellationToken.None)).Valid);
        var denied = await scep.ValidateAsync(new ScepValidationRequest("bad", [1], "pw", "c"), CancellationToken.None);
        Assert.False(denied.Valid);
        Assert.Equal("ChallengeExpired", denied.Code);
        await scep.NotifyAsync(new ScepNotification("good", [1], true, "c", "AB", "01", DateTimeOffset.UtcNow.AddDays(30), "CN=CA"), CancellationToken.None);
        await scep.NotifyAsync(new ScepNotification("bad", [1], false, "c", HResult: 5, ErrorDescription: new string('x', 400)), CancellationToken.None);

        Assert.Equal(["success", "failure"], client.Emulator.ScepNotifications.Select(n => (string)n["kind"]!));
        Assert.Equal(255, ((string)client.Emulator.ScepNotifications[1]["errorDescription"]!).Length);
        Assert.DoesNotContain(client.Emulator.CallsTo("validateRequest"), c => c.Body.Contains("\"pw\""));
    }

    [Fact]
    public async Task A_malformed_request_from_the_service_is_answered_with_a_failure_not_handed_to_the_actors()
    {
        await using var client = await RemoteClient.StartAsync();
        var bad = RemoteClient.PkcsRequest("r-bad", DeviceCertificate);
        bad["keyAlgorithm"] = "DSA";
        client.Emulator.EnqueuePkcs(bad);

        var requests = await new RemotePkcsService(client.Channel, client.Log).DownloadPkcsRequestsAsync(10, CancellationToken.None);

        Assert.Empty(requests);
        var result = Assert.Single(client.Emulator.PkcsResults);
        Assert.False((bool)result["succeeded"]!);
        Assert.Contains("DSA", (string)result["errorMessage"]!);
        Assert.True(client.Log.Contains(ConnectorEvents.PkcsRequestFailure, "r-bad"));
    }

    [Fact]
    public async Task Revocation_requests_and_results_round_trip()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueRevocation(new JsonObject { ["requestContext"] = "v-9", ["serialNumber"] = "0A1B", ["issuerName"] = "CN=CA", ["reason"] = 1 });
        var service = new RemoteRevocationService(client.Channel, client.Log);

        var request = Assert.Single(await service.DownloadRevocationRequestsAsync(5, CancellationToken.None));
        Assert.Equal(new RevocationRequest("v-9", "0A1B", RevocationReason.KeyCompromise, "CN=CA"), request);
        await service.UploadRevocationResultsAsync([new RevocationRequestResult("v-9", true, "4005", "already revoked")], CancellationToken.None);

        Assert.True(client.Emulator.IsAcknowledged("v-9"));
        Assert.Equal("4005", (string)client.Emulator.RevocationResults.Single()["errorCode"]!);
    }

    [Fact]
    public async Task A_revocation_without_serial_or_with_an_unknown_reason_is_refused_at_once_with_the_final_error_code_and_the_issuer_is_asked_for()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueRevocation(new JsonObject { ["requestContext"] = "v-no-serial", ["reason"] = 1 });
        client.Emulator.EnqueueRevocation(new JsonObject { ["requestContext"] = "v-bad-reason", ["serialNumber"] = "0A", ["reason"] = "sometimes" });
        client.Emulator.EnqueueRevocation(new JsonObject { ["requestContext"] = "v-good", ["serialNumber"] = "0B" });
        var service = new RemoteRevocationService(client.Channel, client.Log, "CN=Issuing CA");

        var request = Assert.Single(await service.DownloadRevocationRequestsAsync(5, CancellationToken.None));

        Assert.Equal(new RevocationRequest("v-good", "0B", RevocationReason.Unspecified), request);
        var refused = client.Emulator.RevocationResults.ToDictionary(r => (string)r["requestContext"]!);
        Assert.Equal(["v-bad-reason", "v-no-serial"], refused.Keys.Order());
        // The service's revocation codes are numeric (4000-4099 final): a refusal is its generic final error.
        Assert.All(refused.Values, r => Assert.Equal((false, "4000"), ((bool)r["succeeded"]!, (string)r["errorCode"]!)));
        Assert.Contains("serialNumber is empty", (string)refused["v-no-serial"]["errorMessage"]!);
        Assert.Contains("'sometimes' is not a revocation reason", (string)refused["v-bad-reason"]["errorMessage"]!);
        Assert.True(client.Log.Contains(ConnectorEvents.RevokeRequestFailure, "v-no-serial"));
        Assert.True(client.Log.Contains(ConnectorEvents.RevokeRequestFailure, "v-bad-reason"));
        var asked = JsonNode.Parse(client.Emulator.CallsTo("downloadRevocationRequests").Single().Body)!["downloadParameters"]!;
        Assert.Equal((5, "CN=Issuing CA"), ((int)asked["maxRequests"]!, (string)asked["issuerName"]!));
    }

    [Fact]
    public async Task With_a_proxy_every_call_goes_through_it()
    {
        using var proxy = new ForwardProxy();
        await using var client = await RemoteClient.StartAsync(o => o with { Proxy = proxy.Url });

        await new RemotePkcsService(client.Channel, client.Log).DownloadPkcsRequestsAsync(1, CancellationToken.None);

        Assert.NotEmpty(proxy.Targets);
        Assert.All(proxy.Targets, t => Assert.Equal(client.Emulator.BaseUri.Authority, t));
    }

    [Fact]
    public async Task A_client_certificate_instead_of_a_secret_gets_the_token_and_another_certificate_does_not()
    {
        using var accepted = ClientCertificate("CN=connector-client");
        using var other = ClientCertificate("CN=someone-else");
        await using var client = await RemoteClient.StartAsync(o => o with { ClientSecret = null, ClientCertificate = accepted });
        client.Emulator.ClientCertificateThumbprint = accepted.Thumbprint;

        await new RemotePkcsService(client.Channel, client.Log).DownloadPkcsRequestsAsync(1, CancellationToken.None);
        Assert.Equal(1, client.Emulator.TokensIssued);
        Assert.DoesNotContain("client_secret", client.Emulator.CallsTo("/oauth2/token").Single().Body);

        using var wrong = new ServiceChannel(RemoteClient.Options(client.Emulator) with { ClientSecret = null, ClientCertificate = other }, client.Log, TimeProvider.System);
        var error = await Assert.ThrowsAsync<ConnectorFailureException>(() => wrong.Tokens.GetAsync(CancellationToken.None));
        Assert.Equal(ServiceFailureCodes.CredentialsRejected, error.Code);
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 ClientCertificate(string subject)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
    }

    private static HealthMessage Message() => new("i-1", "0.1.0", DateTimeOffset.UtcNow, ["pkcs"], [new FeatureCounts("pkcs", 1, 0)], true, 100, 50);
}
