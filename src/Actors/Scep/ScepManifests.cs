namespace CertConnector.Actors.Scep;

/// <summary>The SCEP feature's journal and wire names (see <see cref="Pkcs.PkcsManifests"/> for the rules).</summary>
public static class ScepManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["scep.received.v1"] = typeof(ScepRequestReceived),
        ["scep.verified.v1"] = typeof(ScepRequestVerified),
        ["scep.rejected.v1"] = typeof(ScepRequestRejected),
        ["scep.issued.v1"] = typeof(ScepCertificateIssued),
        ["scep.attempt-failed.v1"] = typeof(ScepAttemptFailed),
        ["scep.notified.v1"] = typeof(ScepServiceNotified),
        ["scep.reopened.v1"] = typeof(ScepRequestReopened),
        ["scep.submit.v1"] = typeof(SubmitScepRequest),
        ["scep.poll.v1"] = typeof(PollScepRequest),
        ["scep.outcome.v1"] = typeof(ScepRequestOutcome),
        ["scep.view-details.v1"] = typeof(ScepViewDetails),
    };
}
