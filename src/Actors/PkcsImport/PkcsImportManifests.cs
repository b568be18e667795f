namespace CertConnector.Actors.PkcsImport;

/// <summary>The PKCS import feature's journal and wire names (see <see cref="Pkcs.PkcsManifests"/> for the rules).</summary>
/// <remarks>The <c>pfximport.</c> prefix is the feature's name before it became PKCS import everywhere; journals written since hold it, so it stays. Wire-only types added since (never journaled) take the feature's one name, <c>pkcs-import.</c>.</remarks>
public static class PkcsImportManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["pfximport.downloaded.v1"] = typeof(PkcsImportRequestDownloaded),
        ["pfximport.reencrypted.v1"] = typeof(PfxPasswordReencrypted),
        ["pfximport.attempt-failed.v1"] = typeof(PkcsImportAttemptFailed),
        ["pfximport.failed.v1"] = typeof(PkcsImportFailed),
        ["pfximport.uploaded.v1"] = typeof(PkcsImportResultUploaded),
        ["pfximport.start.v1"] = typeof(StartPkcsImportRequest),
        ["pfximport.completed.v1"] = typeof(PkcsImportRequestCompleted),
        ["pkcs-import.view-details.v1"] = typeof(PkcsImportViewDetails),
    };
}
