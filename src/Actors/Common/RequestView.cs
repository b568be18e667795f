namespace CertConnector.Actors.Common;

/// <summary>
/// The one query every feature's request actor answers (the admin API, in either service mode): answered with a <see cref="RequestView"/>.
/// Read-only: it changes no state, starts no step and persists nothing; an ID the actor never saw answers
/// <see cref="RequestView.Known"/> = false and the entity stops (it is not kept, nor remembered).
/// </summary>
public sealed record GetRequestView(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>
/// A feature's own part of a <see cref="RequestView"/>: a sealed record in the feature's folder with its own manifest in the
/// feature's *Manifests.cs table, so a feature adds its fields without touching the common view. Free of secrets like the view.
/// </summary>
public interface IRequestViewDetails : IConnectorSerializable;

/// <summary>
/// One request as its actor knows it, the same for every feature, and free of secrets: no key, password, PFX or
/// challenge, only names, counts, times, codes, the certificate's public identifiers and the history.
/// </summary>
/// <param name="Feature">the feature's cluster role (pkcs, scep, revocation, pkcs-import, recrypt).</param>
/// <param name="State">the feature's state name (e.g. Downloaded, Issued, FailedAttempt, Failed, Uploaded).</param>
/// <param name="Attempts">failed attempts of the current step (0 when none is failing).</param>
/// <param name="NextAttemptAt">when a failing step runs again.</param>
/// <param name="ErrorCode">the current error: the final one, or the last failed attempt's.</param>
/// <param name="ResultDelivered">the outcome reached the service (uploaded; for SCEP: notified).</param>
/// <param name="Details">the feature's own fields (null while <see cref="Known"/> is false).</param>
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
    bool ResultDelivered,
    IReadOnlyList<HistoryEntry> History,
    IRequestViewDetails? Details) : IWithRequestId, IConnectorSerializable
{
    public static RequestView Unknown(string feature, string requestId) =>
        new(feature, requestId, false, "Unknown", 0, null, null, null, null, null, null, false, [], null);
}

/// <summary>
/// The wire names of the messages every feature shares (see the features' *Manifests.cs). Wire only, never journaled: the view's
/// v1 (without history and details) is not read any more, so members of two versions cannot show each other's requests.
/// Retired with the one view, never to be reused: request.view.v1 and each feature's own query and view (pkcs.get.v1, pkcs.view.v1,
/// revocation.get.v1, revocation.view.v1, pfximport.get.v1, pfximport.view.v1, recrypt.get.v1, recrypt.view.v1, scep.get.v1, scep.view.v1).
/// </summary>
public static class CommonManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["request.get-view.v1"] = typeof(GetRequestView),
        ["request.view.v2"] = typeof(RequestView),
    };
}
