namespace CertConnector.Actors.Logging;

/// <summary>The two log channels of EVENT-IDS.md: one event per request (Admin) and the steps in between (Operational).</summary>
public enum EventChannel { Admin, Operational }

/// <summary>Task categories, so events can be filtered by feature.</summary>
public enum TaskCategory { Connector, Pkcs, PkcsImport, Revocation, Scep, Health }

public enum EventLevel { Debug, Information, Warning, Error }

/// <summary>One entry of the public event-ID contract.</summary>
public sealed record EventDefinition(int Id, string Name, EventChannel Channel, TaskCategory Category, EventLevel Level, string Meaning);

/// <summary>
/// The event IDs the connector writes (shared/EVENT-IDS.md). The numbers and names are a public contract:
/// never reuse or renumber one. A test checks this table against the document.
/// </summary>
public static class ConnectorEvents
{
    public static readonly EventDefinition PkcsRequestSuccess = new(1000, "PkcsRequestSuccess", EventChannel.Admin, TaskCategory.Pkcs, EventLevel.Information, "a PKCS request was fulfilled and its result uploaded");
    public static readonly EventDefinition PkcsRequestFailure = new(1001, "PkcsRequestFailure", EventChannel.Admin, TaskCategory.Pkcs, EventLevel.Error, "fulfilling or uploading a PKCS request failed");
    public static readonly EventDefinition PkcsDownloadSuccess = new(1002, "PkcsDownloadSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "pending PKCS requests were downloaded from the service");
    public static readonly EventDefinition PkcsDownloadFailure = new(1003, "PkcsDownloadFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "downloading PKCS requests failed");
    public static readonly EventDefinition PkcsDownloadedRequest = new(1020, "PkcsDownloadedRequest", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "one PKCS request was downloaded");
    public static readonly EventDefinition PkcsDigiCertRequest = new(1032, "PkcsDigiCertRequest", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "a PKCS request for a third-party CA was downloaded (any CA other than the built-in one, named in the event)");
    public static readonly EventDefinition PkcsIssuedSuccess = new(1050, "PkcsIssuedSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "a PKCS certificate was issued");
    public static readonly EventDefinition PkcsIssuedFailedAttempt = new(1051, "PkcsIssuedFailedAttempt", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Warning, "issuing failed; it will be retried");
    public static readonly EventDefinition PkcsIssuedFailure = new(1052, "PkcsIssuedFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "issuing failed for good");
    public static readonly EventDefinition PkcsUploadSuccess = new(1100, "PkcsUploadSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "PKCS results were uploaded");
    public static readonly EventDefinition PkcsUploadFailure = new(1101, "PkcsUploadFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "uploading PKCS results failed");
    public static readonly EventDefinition PkcsUploadedRequest = new(1102, "PkcsUploadedRequest", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "one PKCS request's result was uploaded");
    public static readonly EventDefinition PkcsRecryptRequestSuccess = new(1200, "PkcsRecryptRequestSuccess", EventChannel.Admin, TaskCategory.Pkcs, EventLevel.Information, "a re-encrypt request was processed");
    public static readonly EventDefinition PkcsRecryptRequestFailure = new(1201, "PkcsRecryptRequestFailure", EventChannel.Admin, TaskCategory.Pkcs, EventLevel.Error, "processing a re-encrypt request failed");
    public static readonly EventDefinition PkcsRecryptDownloadSuccess = new(1202, "PkcsRecryptDownloadSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "re-encrypt requests were downloaded");
    public static readonly EventDefinition PkcsRecryptDownloadFailure = new(1203, "PkcsRecryptDownloadFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "downloading re-encrypt requests failed");
    public static readonly EventDefinition PkcsRecryptDownloadedRequest = new(1220, "PkcsRecryptDownloadedRequest", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "one re-encrypt request was downloaded");
    public static readonly EventDefinition PkcsRecryptReencryptSuccess = new(1250, "PkcsRecryptReencryptSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "a certificate payload was re-encrypted");
    public static readonly EventDefinition PkcsRecryptDecryptSuccess = new(1251, "PkcsRecryptDecryptSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "a certificate payload was decrypted");
    public static readonly EventDefinition PkcsRecryptDecryptFailure = new(1252, "PkcsRecryptDecryptFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "decrypting a certificate payload failed");
    public static readonly EventDefinition PkcsRecryptReencryptFailure = new(1253, "PkcsRecryptReencryptFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "re-encrypting a certificate payload failed");
    public static readonly EventDefinition PkcsRecryptUploadSuccess = new(1300, "PkcsRecryptUploadSuccess", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "re-encrypt results were uploaded");
    public static readonly EventDefinition PkcsRecryptUploadFailure = new(1301, "PkcsRecryptUploadFailure", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Error, "uploading re-encrypt results failed");
    public static readonly EventDefinition PkcsRecryptUploadedRequest = new(1302, "PkcsRecryptUploadedRequest", EventChannel.Operational, TaskCategory.Pkcs, EventLevel.Information, "one re-encrypt request's result was uploaded");
    public static readonly EventDefinition PkcsImportRequestSuccess = new(2000, "PkcsImportRequestSuccess", EventChannel.Admin, TaskCategory.PkcsImport, EventLevel.Information, "an import request was processed");
    public static readonly EventDefinition PkcsImportRequestFailure = new(2001, "PkcsImportRequestFailure", EventChannel.Admin, TaskCategory.PkcsImport, EventLevel.Error, "processing an import request failed");
    public static readonly EventDefinition PkcsImportDownloadedRequest = new(2020, "PkcsImportDownloadedRequest", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Information, "one import request was downloaded");
    public static readonly EventDefinition PkcsImportReencryptSuccess = new(2050, "PkcsImportReencryptSuccess", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Information, "an imported certificate was re-encrypted");
    public static readonly EventDefinition PkcsImportReencryptFailedAttempt = new(2051, "PkcsImportReencryptFailedAttempt", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Warning, "re-encrypting failed; it will be retried");
    public static readonly EventDefinition PkcsImportReencryptFailure = new(2052, "PkcsImportReencryptFailure", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Error, "re-encrypting an imported certificate failed for good");
    public static readonly EventDefinition PkcsImportUploadSuccess = new(2100, "PkcsImportUploadSuccess", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Information, "import results were uploaded");
    public static readonly EventDefinition PkcsImportUploadFailure = new(2101, "PkcsImportUploadFailure", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Error, "uploading import results failed");
    public static readonly EventDefinition PkcsImportUploadedRequest = new(2102, "PkcsImportUploadedRequest", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Information, "one import request's result was uploaded");
    public static readonly EventDefinition PkcsImportDownloadSuccess = new(2202, "PkcsImportDownloadSuccess", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Information, "import requests were downloaded");
    public static readonly EventDefinition PkcsImportDownloadFailure = new(2203, "PkcsImportDownloadFailure", EventChannel.Operational, TaskCategory.PkcsImport, EventLevel.Error, "downloading import requests failed");
    public static readonly EventDefinition RevokeRequestSuccess = new(3000, "RevokeRequestSuccess", EventChannel.Admin, TaskCategory.Revocation, EventLevel.Information, "a revocation request was processed");
    public static readonly EventDefinition RevokeRequestFailure = new(3001, "RevokeRequestFailure", EventChannel.Admin, TaskCategory.Revocation, EventLevel.Error, "processing a revocation request failed");
    public static readonly EventDefinition RevokeDownloadSuccess = new(3002, "RevokeDownloadSuccess", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Information, "revocation requests were downloaded");
    public static readonly EventDefinition RevokeDownloadFailure = new(3003, "RevokeDownloadFailure", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Error, "downloading revocation requests failed");
    public static readonly EventDefinition RevokeDownloadedRequest = new(3020, "RevokeDownloadedRequest", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Information, "one revocation request was downloaded (with its details)");
    public static readonly EventDefinition RevokeDigicertRequest = new(3032, "RevokeDigicertRequest", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Information, "a revocation was forwarded to a third-party CA (any CA other than the built-in one, named in the event)");
    public static readonly EventDefinition RevokeSuccess = new(3050, "RevokeSuccess", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Information, "a certificate was revoked");
    public static readonly EventDefinition RevokeFailure = new(3051, "RevokeFailure", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Error, "revoking a certificate failed for good");
    public static readonly EventDefinition RevokeFailedAttempt = new(3052, "RevokeFailedAttempt", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Warning, "revoking failed; it will be retried");
    public static readonly EventDefinition RevokeUploadSuccess = new(3100, "RevokeUploadSuccess", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Information, "revocation results were uploaded");
    public static readonly EventDefinition RevokeUploadFailure = new(3101, "RevokeUploadFailure", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Error, "uploading revocation results failed");
    public static readonly EventDefinition RevokeUploadedRequest = new(3102, "RevokeUploadedRequest", EventChannel.Operational, TaskCategory.Revocation, EventLevel.Information, "one revocation result was uploaded");
    public static readonly EventDefinition ScepRequestSuccess = new(4000, "ScepRequestSuccess", EventChannel.Admin, TaskCategory.Scep, EventLevel.Information, "a SCEP request was processed and the service was notified");
    public static readonly EventDefinition ScepRequestIssuedFailure = new(4001, "ScepRequestIssuedFailure", EventChannel.Admin, TaskCategory.Scep, EventLevel.Error, "processing a SCEP request failed and the service was notified");
    public static readonly EventDefinition ScepRequestUploadFailure = new(4002, "ScepRequestUploadFailure", EventChannel.Admin, TaskCategory.Scep, EventLevel.Error, "a SCEP request was processed but the service could not be notified");
    public static readonly EventDefinition ScepRequestReceived = new(4003, "ScepRequestReceived", EventChannel.Operational, TaskCategory.Scep, EventLevel.Information, "a SCEP request arrived from a device");
    public static readonly EventDefinition ScepVerifySuccess = new(4004, "ScepVerifySuccess", EventChannel.Operational, TaskCategory.Scep, EventLevel.Information, "the service confirmed the request's challenge");
    public static readonly EventDefinition ScepVerifyFailure = new(4005, "ScepVerifyFailure", EventChannel.Operational, TaskCategory.Scep, EventLevel.Error, "the service rejected the request, or could not be asked");
    public static readonly EventDefinition ScepIssuedSuccess = new(4006, "ScepIssuedSuccess", EventChannel.Operational, TaskCategory.Scep, EventLevel.Information, "a certificate was issued for a SCEP request");
    public static readonly EventDefinition ScepIssuedFailure = new(4007, "ScepIssuedFailure", EventChannel.Operational, TaskCategory.Scep, EventLevel.Error, "issuing the certificate for a SCEP request failed");
    public static readonly EventDefinition ScepNotifySuccess = new(4008, "ScepNotifySuccess", EventChannel.Operational, TaskCategory.Scep, EventLevel.Information, "the service was notified of a SCEP request's result");
    public static readonly EventDefinition ScepNotifyAttemptFailed = new(4009, "ScepNotifyAttemptFailed", EventChannel.Operational, TaskCategory.Scep, EventLevel.Warning, "notifying the service failed; it will be retried");
    public static readonly EventDefinition ScepNotifySaveToDiskFailed = new(4010, "ScepNotifySaveToDiskFailed", EventChannel.Operational, TaskCategory.Scep, EventLevel.Warning, "the notification could not be saved durably; the service cannot be told the outcome");
    public static readonly EventDefinition HealthMessageUploadSuccess = new(5000, "HealthMessageUploadSuccess", EventChannel.Operational, TaskCategory.Health, EventLevel.Information, "health messages were uploaded");
    public static readonly EventDefinition HealthMessageUploadFailedAttempt = new(5001, "HealthMessageUploadFailedAttempt", EventChannel.Operational, TaskCategory.Health, EventLevel.Warning, "uploading health messages failed; it will be retried");
    public static readonly EventDefinition HealthMessageUploadFailure = new(5002, "HealthMessageUploadFailure", EventChannel.Operational, TaskCategory.Health, EventLevel.Error, "uploading health messages failed for good");

    public static IReadOnlyList<EventDefinition> All { get; } =
    [
        PkcsRequestSuccess,
        PkcsRequestFailure,
        PkcsDownloadSuccess,
        PkcsDownloadFailure,
        PkcsDownloadedRequest,
        PkcsDigiCertRequest,
        PkcsIssuedSuccess,
        PkcsIssuedFailedAttempt,
        PkcsIssuedFailure,
        PkcsUploadSuccess,
        PkcsUploadFailure,
        PkcsUploadedRequest,
        PkcsRecryptRequestSuccess,
        PkcsRecryptRequestFailure,
        PkcsRecryptDownloadSuccess,
        PkcsRecryptDownloadFailure,
        PkcsRecryptDownloadedRequest,
        PkcsRecryptReencryptSuccess,
        PkcsRecryptDecryptSuccess,
        PkcsRecryptDecryptFailure,
        PkcsRecryptReencryptFailure,
        PkcsRecryptUploadSuccess,
        PkcsRecryptUploadFailure,
        PkcsRecryptUploadedRequest,
        PkcsImportRequestSuccess,
        PkcsImportRequestFailure,
        PkcsImportDownloadedRequest,
        PkcsImportReencryptSuccess,
        PkcsImportReencryptFailedAttempt,
        PkcsImportReencryptFailure,
        PkcsImportUploadSuccess,
        PkcsImportUploadFailure,
        PkcsImportUploadedRequest,
        PkcsImportDownloadSuccess,
        PkcsImportDownloadFailure,
        RevokeRequestSuccess,
        RevokeRequestFailure,
        RevokeDownloadSuccess,
        RevokeDownloadFailure,
        RevokeDownloadedRequest,
        RevokeDigicertRequest,
        RevokeSuccess,
        RevokeFailure,
        RevokeFailedAttempt,
        RevokeUploadSuccess,
        RevokeUploadFailure,
        RevokeUploadedRequest,
        ScepRequestSuccess,
        ScepRequestIssuedFailure,
        ScepRequestUploadFailure,
        ScepRequestReceived,
        ScepVerifySuccess,
        ScepVerifyFailure,
        ScepIssuedSuccess,
        ScepIssuedFailure,
        ScepNotifySuccess,
        ScepNotifyAttemptFailed,
        ScepNotifySaveToDiskFailed,
        HealthMessageUploadSuccess,
        HealthMessageUploadFailedAttempt,
        HealthMessageUploadFailure,
    ];
}
