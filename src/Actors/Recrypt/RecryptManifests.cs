namespace CertConnector.Actors.Recrypt;

/// <summary>The recrypt feature's journal and wire names (see <see cref="Pkcs.PkcsManifests"/> for the rules).</summary>
public static class RecryptManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["recrypt.downloaded.v1"] = typeof(RecryptRequestDownloaded),
        ["recrypt.decrypted.v1"] = typeof(RecryptPayloadDecrypted),
        ["recrypt.reencrypted.v1"] = typeof(RecryptPayloadReencrypted),
        ["recrypt.attempt-failed.v1"] = typeof(RecryptAttemptFailed),
        ["recrypt.failed.v1"] = typeof(RecryptFailed),
        ["recrypt.uploaded.v1"] = typeof(RecryptResultUploaded),
        ["recrypt.start.v1"] = typeof(StartRecryptRequest),
        ["recrypt.completed.v1"] = typeof(RecryptRequestCompleted),
        ["recrypt.view-details.v1"] = typeof(RecryptViewDetails),
    };
}
