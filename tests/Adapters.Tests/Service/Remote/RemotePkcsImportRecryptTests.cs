using System.Text.Json.Nodes;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Remote;

namespace CertConnector.Adapters.Tests.Service.Remote;

/// <summary>The PKCS import and recrypt ports over the channel against the emulator (docs/DESIGN.md §8): field mapping, uploads, and a
/// malformed request from the service answered at once with a failure instead of reaching the actors.</summary>
public sealed class RemotePkcsImportRecryptTests
{
    private static readonly byte[] Pfx = [0x30, 0x82, 0x01, 0x02];
    private static readonly byte[] Password = [0x01, 0x02, 0x03, 0x04, 0x05];
    private static readonly byte[] Device = [0x30, 0x03, 0x02, 0x01, 0x01];

    private static JsonObject ImportRequest(string id, string? pfx = null) => new()
    {
        ["requestId"] = id,
        ["userPrincipalName"] = "alice@contoso.com",
        ["thumbprint"] = "AB12",
        ["encryptedPfxBlob"] = pfx ?? Convert.ToBase64String(Pfx),
        ["encryptedPfxPassword"] = Convert.ToBase64String(Password),
        ["paddingScheme"] = "oaepSha384",
        ["keyName"] = "key-1",
        ["deviceCertificate"] = Convert.ToBase64String(Device),
    };

    private static JsonObject RecryptRequest(string id, string? recipient = null) => new()
    {
        ["requestId"] = id,
        ["encryptedPayload"] = Convert.ToBase64String(Pfx),
        ["recipientCertificate"] = recipient ?? Convert.ToBase64String(Device),
    };

    [Fact]
    public async Task An_import_download_maps_every_field()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueImport(ImportRequest("i-1"));

        var request = Assert.Single(await new RemotePkcsImportService(client.Channel, client.Log).DownloadPkcsImportRequestsAsync(7, CancellationToken.None));

        Assert.Equal("i-1", request.RequestId);
        Assert.Equal("alice@contoso.com", request.UserPrincipalName);
        Assert.Equal("AB12", request.Thumbprint);
        Assert.Equal(Pfx, request.EncryptedPfxBlob);
        Assert.Equal(Password, request.EncryptedPfxPassword);
        Assert.Equal("oaepSha384", request.PaddingScheme);
        Assert.Equal("key-1", request.KeyName);
        Assert.Equal(Device, request.DeviceCertificate);
        var call = Assert.Single(client.Emulator.CallsTo("/pki/CertificateAuthorityRequests/downloadPkcsImportRequests"));
        Assert.Contains("\"maxRequests\":7", call.Body);
    }

    [Fact]
    public async Task An_import_upload_sends_the_result_and_the_service_acknowledges_it()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueImport(ImportRequest("i-2"));

        await new RemotePkcsImportService(client.Channel, client.Log).UploadPkcsImportResultsAsync([new PkcsImportResult("i-2", true, EncryptedPassword: Password)], CancellationToken.None);

        var result = Assert.Single(client.Emulator.ImportResults);
        Assert.Equal("i-2", (string)result["requestId"]!);
        Assert.True((bool)result["succeeded"]!);
        Assert.Equal(Convert.ToBase64String(Password), (string)result["encryptedPassword"]!);
        Assert.True(client.Emulator.IsAcknowledged("i-2"));
        Assert.True(Guid.TryParse(Assert.Single(client.Emulator.CallsTo("uploadPkcsImportResults")).ClientRequestId, out _));
    }

    [Fact]
    public async Task A_malformed_import_request_is_failed_at_once_and_not_handed_to_the_actors()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueImport(ImportRequest("i-bad", pfx: "not base64!"));
        client.Emulator.EnqueueImport(ImportRequest("i-good"));

        var requests = await new RemotePkcsImportService(client.Channel, client.Log).DownloadPkcsImportRequestsAsync(10, CancellationToken.None);

        Assert.Equal("i-good", Assert.Single(requests).RequestId);
        var result = Assert.Single(client.Emulator.ImportResults);
        Assert.Equal("i-bad", (string)result["requestId"]!);
        Assert.False((bool)result["succeeded"]!);
        Assert.Equal("BadRequest", (string)result["errorCode"]!);
        Assert.Contains("encryptedPfxBlob", (string)result["errorMessage"]!);
        Assert.True(client.Log.Contains(ConnectorEvents.PkcsImportRequestFailure, "i-bad"));
    }

    [Fact]
    public async Task A_recrypt_download_maps_every_field()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueRecrypt(RecryptRequest("c-1"));

        var request = Assert.Single(await new RemoteRecryptService(client.Channel, client.Log).DownloadRecryptRequestsAsync(3, CancellationToken.None));

        Assert.Equal("c-1", request.RequestId);
        Assert.Equal(Pfx, request.EncryptedPayload);
        Assert.Equal(Device, request.RecipientCertificate);
        Assert.Contains("\"maxRequests\":3", Assert.Single(client.Emulator.CallsTo("/pki/CertificateAuthorityRequests/downloadRecryptRequests")).Body);
    }

    [Fact]
    public async Task A_recrypt_upload_sends_the_result_and_a_second_upload_is_counted_as_a_duplicate()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueRecrypt(RecryptRequest("c-2"));
        var service = new RemoteRecryptService(client.Channel, client.Log);

        await service.UploadRecryptResultsAsync([new RecryptResult("c-2", true, EncryptedPayload: Password)], CancellationToken.None);

        var result = Assert.Single(client.Emulator.RecryptResults);
        Assert.Equal("c-2", (string)result["requestId"]!);
        Assert.True((bool)result["succeeded"]!);
        Assert.Equal(Convert.ToBase64String(Password), (string)result["encryptedPayload"]!);
        Assert.Empty(client.Emulator.DuplicateUploads);
        await service.UploadRecryptResultsAsync([new RecryptResult("c-2", true, EncryptedPayload: Password)], CancellationToken.None);
        Assert.Equal(["c-2"], client.Emulator.DuplicateUploads);
    }

    [Fact]
    public async Task A_malformed_recrypt_request_is_failed_at_once_and_not_handed_to_the_actors()
    {
        await using var client = await RemoteClient.StartAsync();
        client.Emulator.EnqueueRecrypt(RecryptRequest("c-bad", recipient: ""));

        var requests = await new RemoteRecryptService(client.Channel, client.Log).DownloadRecryptRequestsAsync(10, CancellationToken.None);

        Assert.Empty(requests);
        var result = Assert.Single(client.Emulator.RecryptResults);
        Assert.Equal("c-bad", (string)result["requestId"]!);
        Assert.False((bool)result["succeeded"]!);
        Assert.Contains("recipientCertificate", (string)result["errorMessage"]!);
        Assert.True(client.Log.Contains(ConnectorEvents.PkcsRecryptRequestFailure, "c-bad"));
        Assert.True(client.Emulator.IsAcknowledged("c-bad"));
    }
}
