namespace CertConnector.Actors.Common;

/// <summary>
/// Query for any feature's request actor (the admin API, in either service mode): answered with a <see cref="RequestView"/>.
/// Read-only: it changes no state, starts no step and persists nothing; an ID the actor never saw answers
/// <see cref="RequestView.Known"/> = false and the entity stops (it is not kept, nor remembered).
/// </summary>
public sealed record GetRequestView(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>
/// One request as its actor knows it, the same for every feature, and free of secrets: no key, password, PFX or
/// challenge, only names, counts, times, codes and the certificate's public identifiers.
/// </summary>
/// <param name="Feature">pkcs, revocation or scep.</param>
/// <param name="State">the feature's state name (e.g. Downloaded, Issued, FailedAttempt, Failed, Uploaded).</param>
/// <param name="Attempts">failed attempts of the current step (0 when none is failing).</param>
/// <param name="NextAttemptAt">when a failing step runs again.</param>
/// <param name="ResultDelivered">the outcome reached the service (uploaded; for SCEP: notified).</param>
public sealed record RequestView(
    string Feature,
    string RequestId,
    bool Known,
    string State,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? ErrorCode,
    string? ErrorMessage,
    string? SerialNumber,
    string? Thumbprint,
    DateTimeOffset? ExpiresAt,
    bool ResultDelivered) : IWithRequestId, IConnectorSerializable
{
    public static RequestView Unknown(string feature, string requestId) =>
        new(feature, requestId, false, "Unknown", 0, null, null, null, null, null, null, false);
}

/// <summary>The journal and wire names of the messages every feature shares (see the features' *Manifests.cs).</summary>
public static class CommonManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["request.get-view.v1"] = typeof(GetRequestView),
        ["request.view.v1"] = typeof(RequestView),
    };
}
