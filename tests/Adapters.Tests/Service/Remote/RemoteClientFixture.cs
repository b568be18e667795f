using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Tests.Emulator;

namespace CertConnector.Adapters.Tests.Service.Remote;

/// <summary>The emulator and a channel to it with fast retries (tens of milliseconds), one per test.</summary>
public sealed class RemoteClient : IAsyncDisposable
{
    private RemoteClient(ServiceEmulator emulator, ServiceChannel channel, RecordingEventLog log)
    {
        Emulator = emulator;
        Channel = channel;
        Log = log;
    }

    public ServiceEmulator Emulator { get; }
    public ServiceChannel Channel { get; }
    public RecordingEventLog Log { get; }

    public static async Task<RemoteClient> StartAsync(Func<RemoteServiceOptions, RemoteServiceOptions>? adjust = null)
    {
        var emulator = await ServiceEmulator.StartAsync();
        var options = Options(emulator);
        if (adjust is not null) options = adjust(options);
        var log = new RecordingEventLog();
        return new RemoteClient(emulator, new ServiceChannel(options, log, TimeProvider.System), log);
    }

    public static RemoteServiceOptions Options(ServiceEmulator emulator) => new()
    {
        TokenUrl = emulator.TokenUrl,
        ClientId = ServiceEmulator.ClientId,
        ClientSecret = ServiceEmulator.ClientSecret,
        DiscoveryUrl = emulator.DiscoveryUrl,
        TrustedRoots = [X509CertificateLoader.LoadCertificate(emulator.Certificate.RawData)],
        AttemptTimeout = TimeSpan.FromSeconds(10),
        MaxAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        ApiVersion = "1.0",
    };

    public static JsonObject PkcsRequest(string id, byte[] deviceCertificate) => new()
    {
        ["requestId"] = id,
        ["subjectName"] = "CN=Alice Example,O=Contoso",
        ["subjectAlternativeNames"] = new JsonArray(new JsonObject { ["type"] = "upn", ["value"] = "alice@contoso.com" }),
        ["certificateType"] = "user",
        ["templateName"] = "client-auth",
        ["caConfiguration"] = "builtin",
        ["keyAlgorithm"] = "RSA",
        ["keySize"] = 2048,
        ["validityDays"] = 30,
        ["deviceCertificate"] = Convert.ToBase64String(deviceCertificate),
    };

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Emulator.DisposeAsync();
    }
}
