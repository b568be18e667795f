using System.Data.Common;
using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>The standalone PKCS queue as the admin API uses it (the actors use <see cref="IPkcsService"/>).</summary>
public interface IPkcsQueue
{
    /// <summary>False if the request ID is already known.</summary>
    Task<bool> EnqueueAsync(PkcsRequest request, CancellationToken cancellationToken = default);

    /// <summary>One request with its queue status and result, or null if the ID is unknown.</summary>
    Task<QueuedRecord<PkcsRequest, PkcsResult>?> GetAsync(string requestId, CancellationToken cancellationToken = default);
}

/// <summary>
/// PKCS in standalone mode: the queue the admin API fills, the PKCS actors drain (<see cref="IPkcsService"/>), and the results
/// they upload, in standalone.db. The result holds the PFX and its password only as encrypted for the device.
/// </summary>
public sealed class StandalonePkcsQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider = null)
    : StandaloneLeasedQueue<PkcsRequest, PkcsResult>(database, leaseDuration, instanceId, timeProvider,
        "pkcs_requests",
        [
            ("subject_name", "TEXT NOT NULL"), ("subject_alt_names", "TEXT NOT NULL"), ("template_name", "TEXT NOT NULL"), ("key_spec", "TEXT NOT NULL"),
            ("device_certificate", "BLOB NOT NULL"), ("certificate_type", "TEXT NOT NULL"), ("on_premises_sid", "TEXT"), ("validity_days", "INTEGER"),
            ("ca", "TEXT"),
        ],
        "pkcs_results",
        [
            ("encrypted_pfx", "BLOB"), ("encrypted_password", "BLOB"), ("certificate_der", "BLOB"), ("certificate_thumbprint", "TEXT"),
            ("serial_number", "TEXT"), ("expiration_date_utc", "TEXT"),
        ],
        requestIndexes: "CREATE INDEX IF NOT EXISTS ix_pkcs_requests_pending ON pkcs_requests (enqueued_at) WHERE completed_at IS NULL;",
        requestMigrations:
        [
            StandaloneTable.AddColumn("pkcs_requests", "leased_by", "TEXT"), // 2: who holds a lease
            StandaloneTable.AddColumn("pkcs_requests", "ca", "TEXT"), // 3: the CA it goes to (NULL: queued before CAs had names, the default CA)
        ]), IPkcsService, IPkcsQueue
{
    private static readonly JsonSerializerOptions SanJson = new(JsonSerializerDefaults.Web);

    public override string Feature => "pkcs";

    public override string DetailsPath(string requestId) => $"/api/v1/pkcs/requests/{Uri.EscapeDataString(requestId)}";

    public Task<IReadOnlyList<PkcsRequest>> DownloadPkcsRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        DownloadAsync(maxRequests, cancellationToken);

    public Task UploadPkcsResultsAsync(IReadOnlyList<PkcsResult> results, CancellationToken cancellationToken) =>
        UploadResultsAsync(results, cancellationToken);

    protected override void Validate(PkcsRequest request)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.SubjectName, nameof(request));
        ArgumentNullException.ThrowIfNull(request.TemplateName, nameof(request));
        ArgumentNullException.ThrowIfNull(request.KeySpec, nameof(request));
        ArgumentNullException.ThrowIfNull(request.DeviceCertificate, nameof(request));
    }

    protected override string RequestIdOf(PkcsRequest request) => request.RequestId;
    protected override string ResultIdOf(PkcsResult result) => result.RequestId;
    protected override (bool Succeeded, string? ErrorCode, string? ErrorMessage) OutcomeOf(PkcsResult r) => (r.Succeeded, r.ErrorCode, r.ErrorMessage);

    protected override object?[] RequestValues(PkcsRequest r) =>
    [
        r.SubjectName, JsonSerializer.Serialize(r.SubjectAlternativeNames ?? [], SanJson), r.TemplateName, r.KeySpec.ToString(), r.DeviceCertificate,
        r.CertificateType ?? "device", r.OnPremisesSid, r.ValidityDays, r.Ca,
    ];

    protected override object?[] ResultValues(PkcsResult r) =>
    [
        r.EncryptedPfx, r.EncryptedPassword, r.CertificateDer, r.CertificateThumbprint, r.SerialNumber,
        r.ExpirationDateUtc is { } e ? StandaloneDatabase.FormatTime(e) : null,
    ];

    protected override PkcsRequest ReadRequest(DbDataReader reader) => new(
        RequestId: reader.GetString(0),
        SubjectName: reader.GetString(1),
        SubjectAlternativeNames: JsonSerializer.Deserialize<List<SubjectAltName>>(reader.GetString(2), SanJson) ?? [],
        TemplateName: reader.GetString(3),
        KeySpec: KeySpec.Parse(reader.GetString(4)),
        DeviceCertificate: (byte[])reader.GetValue(5),
        CertificateType: reader.GetString(6),
        OnPremisesSid: StandaloneStore.NullableString(reader, 7),
        ValidityDays: StandaloneStore.NullableInt(reader, 8),
        Ca: StandaloneStore.NullableString(reader, 9));

    protected override PkcsResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first) => new(
        requestId, succeeded, errorCode, errorMessage,
        EncryptedPfx: StandaloneStore.NullableBytes(reader, first),
        EncryptedPassword: StandaloneStore.NullableBytes(reader, first + 1),
        CertificateDer: StandaloneStore.NullableBytes(reader, first + 2),
        CertificateThumbprint: StandaloneStore.NullableString(reader, first + 3),
        SerialNumber: StandaloneStore.NullableString(reader, first + 4),
        ExpirationDateUtc: StandaloneStore.NullableTime(reader, first + 5));

    protected override string Describe(PkcsRequest r) => r.SubjectName;
}
