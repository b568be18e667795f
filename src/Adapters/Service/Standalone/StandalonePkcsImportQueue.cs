using System.Data.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// PKCS import in standalone mode: the queue the admin API fills and the import actors drain (<see cref="IPkcsImportService"/>),
/// in standalone.db. Holds only what the service would: the PFX as given, the password encrypted to the connector key, and
/// as result the password enveloped to the device.
/// </summary>
public sealed class StandalonePkcsImportQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider = null)
    : StandaloneLeasedQueue<PkcsImportRequest, PkcsImportResult>(database, leaseDuration, instanceId, timeProvider,
        "pfx_import_requests",
        [
            ("user_principal_name", "TEXT NOT NULL"), ("encrypted_pfx", "BLOB NOT NULL"), ("encrypted_password", "BLOB NOT NULL"),
            ("padding_scheme", "TEXT NOT NULL"), ("device_certificate", "BLOB NOT NULL"), ("thumbprint", "TEXT"), ("key_name", "TEXT"),
        ],
        "pfx_import_results", [("encrypted_password", "BLOB")]), IPkcsImportService
{
    public override string Feature => "pkcs-import";

    public override string DetailsPath(string requestId) => $"/api/v1/pkcs-import/requests/{Uri.EscapeDataString(requestId)}";

    public Task<IReadOnlyList<PkcsImportRequest>> DownloadPkcsImportRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        DownloadAsync(maxRequests, cancellationToken);

    public Task UploadPkcsImportResultsAsync(IReadOnlyList<PkcsImportResult> results, CancellationToken cancellationToken) =>
        UploadResultsAsync(results, cancellationToken);

    protected override string RequestIdOf(PkcsImportRequest request) => request.RequestId;
    protected override string ResultIdOf(PkcsImportResult result) => result.RequestId;
    protected override (bool Succeeded, string? ErrorCode, string? ErrorMessage) OutcomeOf(PkcsImportResult r) => (r.Succeeded, r.ErrorCode, r.ErrorMessage);

    protected override object?[] RequestValues(PkcsImportRequest r) =>
        [r.UserPrincipalName, r.EncryptedPfxBlob, r.EncryptedPfxPassword, r.PaddingScheme, r.DeviceCertificate, r.Thumbprint, r.KeyName];

    protected override object?[] ResultValues(PkcsImportResult r) => [r.EncryptedPassword];

    protected override PkcsImportRequest ReadRequest(DbDataReader reader) => new(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2),
        (byte[])reader.GetValue(3), reader.GetString(4), (byte[])reader.GetValue(5), StandaloneStore.NullableString(reader, 6), StandaloneStore.NullableString(reader, 7));

    protected override PkcsImportResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first) =>
        new(requestId, succeeded, errorCode, errorMessage, StandaloneStore.NullableBytes(reader, first));

    protected override string Describe(PkcsImportRequest r) => $"PFX of {r.UserPrincipalName} ({r.PaddingScheme})";
}
