namespace CertConnector.Actors.Revocation;

/// <summary>The revocation feature's journal and wire names (see <see cref="Pkcs.PkcsManifests"/> for the rules).</summary>
public static class RevocationManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["revocation.downloaded.v1"] = typeof(RevocationRequestDownloaded),
        ["revocation.revoked.v1"] = typeof(CertificateRevoked),
        ["revocation.attempt-failed.v1"] = typeof(RevocationAttemptFailed),
        ["revocation.failed.v1"] = typeof(RevocationFailed),
        ["revocation.uploaded.v1"] = typeof(RevocationResultUploaded),
        ["revocation.start.v1"] = typeof(StartRevocationRequest),
        ["revocation.completed.v1"] = typeof(RevocationRequestCompleted),
        ["revocation.view-details.v1"] = typeof(RevocationViewDetails),
    };
}
