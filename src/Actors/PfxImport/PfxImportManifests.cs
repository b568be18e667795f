namespace CertConnector.Actors.PfxImport;

/// <summary>The PKCS import feature's journal and wire names (see <see cref="Pkcs.PkcsManifests"/> for the rules).</summary>
public static class PfxImportManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["pfximport.downloaded.v1"] = typeof(PfxImportRequestDownloaded),
        ["pfximport.reencrypted.v1"] = typeof(PfxPasswordReencrypted),
        ["pfximport.attempt-failed.v1"] = typeof(PfxImportAttemptFailed),
        ["pfximport.failed.v1"] = typeof(PfxImportFailed),
        ["pfximport.uploaded.v1"] = typeof(PfxImportResultUploaded),
        ["pfximport.start.v1"] = typeof(StartPfxImportRequest),
        ["pfximport.completed.v1"] = typeof(PfxImportRequestCompleted),
        ["pfximport.get.v1"] = typeof(GetPfxImportRequest),
        ["pfximport.view.v1"] = typeof(PfxImportRequestView),
    };
}
