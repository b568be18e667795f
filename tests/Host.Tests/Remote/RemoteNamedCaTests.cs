using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>
/// Service-connected mode: the service's <c>caConfiguration</c> names the CA once the settings name CAs. A request for a CA this
/// connector does not have fails for good with UnknownCa, and its failure reaches the service once; one for a named CA is issued there.
/// </summary>
[Trait("Category", "Interop")]
public sealed class RemoteNamedCaTests
{
    [Fact]
    public async Task A_request_for_an_unknown_CA_fails_with_a_final_code_uploaded_once()
    {
        var dir = Tools.TempDir("remote-cas");
        await using var emulator = await ServiceEmulator.StartAsync();
        using var connector = RemoteConnector.Start(emulator, Path.Combine(dir, "data"), new Dictionary<string, string>
        {
            ["Cas:corp-ca:Type"] = "builtin", // the built-in CA, under the name the service uses for it
        });
        var known = $"rk-{Guid.NewGuid():N}";
        var unknown = $"ru-{Guid.NewGuid():N}";
        var (knownRequest, _, _) = RemoteConnector.PkcsRequest(dir, known);
        var (unknownRequest, _, _) = RemoteConnector.PkcsRequest(dir, unknown);
        knownRequest["caConfiguration"] = "CORP-CA";
        unknownRequest["caConfiguration"] = "nowhere";
        emulator.EnqueuePkcs(knownRequest);
        emulator.EnqueuePkcs(unknownRequest);

        RemoteConnector.WaitFor(connector, () => RemoteConnector.ResultsFor(emulator, known) > 0 && RemoteConnector.ResultsFor(emulator, unknown) > 0, "both results");
        var downloads = emulator.CallsTo("downloadPkcsRequests").Count;
        RemoteConnector.WaitFor(connector, () => emulator.CallsTo("downloadPkcsRequests").Count >= downloads + 3, "three more downloads");

        Assert.Equal(1, RemoteConnector.ResultsFor(emulator, unknown));
        var failed = emulator.PkcsResults.Single(r => (string)r["requestId"]! == unknown);
        Assert.False((bool)failed["succeeded"]!);
        Assert.Equal("UnknownCa", (string?)failed["errorCode"]);
        Assert.Contains("'nowhere'", (string?)failed["errorMessage"]);
        Assert.True((bool)emulator.PkcsResults.Single(r => (string)r["requestId"]! == known)["succeeded"]!);
        Assert.Empty(emulator.DuplicateUploads);
        Assert.Contains(ConnectorLogs.Events(connector.DataDir, 1052), e => e.GetProperty("requestId").GetString() == unknown); // issuing failed for good
    }
}
