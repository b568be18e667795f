using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>SCEP in remote mode: the service's validateRequest decides issuance, and the service is told the outcome.</summary>
[Trait("Category", "Interop")]
public sealed class RemoteScepTests(RemoteConnectorFixture fixture) : IClassFixture<RemoteConnectorFixture>
{
    [Fact]
    public async Task The_service_validates_the_request_and_is_notified_of_success_and_of_denial()
    {
        var emulator = fixture.Emulator;
        emulator.Validate = r => ((string)r["transactionId"]!).StartsWith("ok-", StringComparison.Ordinal) ? ("Success", null) : ("ChallengeInvalid", "unknown challenge");
        using var http = new ScepHttpClient(fixture.Connector.ScepUrl);

        var okId = "ok-" + Guid.NewGuid().ToString("N");
        var key = ScepHttpClient.NewKey();
        var issued = await http.EnrollAsync(key, ScepClient.SelfSigned(key, "CN=remote-scep"), ScepClient.CreateCsr(key, "CN=remote-scep", "service-checks-this"),
            new PkiMessageOptions { TransactionId = okId });
        Assert.Equal(ScepPkiStatus.Success, issued.Status);

        var deniedId = "no-" + Guid.NewGuid().ToString("N");
        var key2 = ScepHttpClient.NewKey();
        var denied = await http.EnrollAsync(key2, ScepClient.SelfSigned(key2, "CN=remote-scep-2"), ScepClient.CreateCsr(key2, "CN=remote-scep-2", "wrong"),
            new PkiMessageOptions { TransactionId = deniedId });
        Assert.Equal(ScepPkiStatus.Failure, denied.Status);
        Assert.Empty(denied.Certificates);

        RemoteConnector.WaitFor(fixture.Connector, () => emulator.ScepNotifications.Count(n => (string)n["transactionId"]! is var t && (t == okId || t == deniedId)) == 2, "both notifications");
        var success = emulator.ScepNotifications.Single(n => (string)n["transactionId"]! == okId);
        Assert.Equal("success", (string)success["kind"]!);
        Assert.Equal(issued.Certificates[0].SerialNumber.ToString(16).TrimStart('0').ToUpperInvariant(), ((string)success["certificateSerialNumber"]!).TrimStart('0').ToUpperInvariant());
        Assert.Equal("failure", (string)emulator.ScepNotifications.Single(n => (string)n["transactionId"]! == deniedId)["kind"]!);
        Assert.Single(emulator.CallsTo("validateRequest"), c => c.Body.Contains(okId));
        Assert.DoesNotContain(emulator.CallsTo("validateRequest"), c => c.Body.Contains("service-checks-this")); // the challenge travels inside the CSR only
    }
}

/// <summary>In remote mode a renewal needs no challenge, but the service still decides it: validateRequest is asked too.</summary>
[Trait("Category", "Interop")]
public sealed class RemoteScepRenewalTests : IAsyncLifetime
{
    private ServiceEmulator _emulator = null!;
    private ConnectorProcess _connector = null!;
    private readonly string _dir = Tools.TempDir("remote-renewal");

    public async Task InitializeAsync()
    {
        _emulator = await ServiceEmulator.StartAsync();
        _connector = RemoteConnector.Start(_emulator, Path.Combine(_dir, "data"), new Dictionary<string, string> { ["Scep:RenewalWindowDays"] = "400" });
    }

    public async Task DisposeAsync()
    {
        _connector.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task The_service_validates_a_renewal_and_its_denial_is_a_failure()
    {
        _emulator.Validate = r => ((string)r["transactionId"]!).StartsWith("ok-", StringComparison.Ordinal) ? ("Success", null) : ("DeviceRetired", "retired");
        using var http = new ScepHttpClient(_connector.ScepUrl);
        var key = ScepHttpClient.NewKey();
        var existing = (await http.EnrollAsync(key, ScepClient.SelfSigned(key, "CN=remote-renew"), ScepClient.CreateCsr(key, "CN=remote-renew", "checked-by-service"),
            new PkiMessageOptions { TransactionId = "ok-" + Guid.NewGuid().ToString("N") })).Certificates[0];

        var deniedId = "no-" + Guid.NewGuid().ToString("N");
        var denied = http.Client.RenewalReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), "CN=remote-renew"), existing, key.Private, new PkiMessageOptions { TransactionId = deniedId });
        var refused = http.Decode((await http.PostAsync(denied.Bytes)).Body, existing, key);
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (refused.Status, refused.FailInfo));
        Assert.Single(_emulator.CallsTo("validateRequest"), c => c.Body.Contains(deniedId));

        var okId = "ok-" + Guid.NewGuid().ToString("N");
        var renewal = http.Client.RenewalReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), "CN=remote-renew"), existing, key.Private, new PkiMessageOptions { TransactionId = okId });
        var renewed = http.Decode((await http.PostAsync(renewal.Bytes)).Body, existing, key);
        Assert.Equal(ScepPkiStatus.Success, renewed.Status);
        Assert.Single(_emulator.CallsTo("validateRequest"), c => c.Body.Contains(okId));
    }
}
