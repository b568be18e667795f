namespace CertConnector.Actors.Pkcs;

/// <summary>
/// The PKCS feature's journal and wire names. A manifest is a public contract: never rename or reuse one; to
/// change a type incompatibly add ".v2" and keep the old entry readable (its golden sample stays under tests/).
/// </summary>
public static class PkcsManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["pkcs.downloaded.v1"] = typeof(PkcsRequestDownloaded),
        ["pkcs.issued.v1"] = typeof(PkcsCertificateIssued),
        ["pkcs.key-made.v1"] = typeof(PkcsKeyMade),
        ["pkcs.attempt-failed.v1"] = typeof(PkcsAttemptFailed),
        ["pkcs.failed.v1"] = typeof(PkcsRequestFailed),
        ["pkcs.uploaded.v1"] = typeof(PkcsResultUploaded),
        ["pkcs.start.v1"] = typeof(StartPkcsRequest),
        ["pkcs.completed.v1"] = typeof(PkcsRequestCompleted),
        ["pkcs.view-details.v1"] = typeof(PkcsViewDetails),
    };
}
