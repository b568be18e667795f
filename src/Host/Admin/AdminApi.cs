using CertConnector.Actors.Common;

namespace CertConnector.Host.Admin;

/// <summary>Every feature's queueing call answers this (202 Accepted).</summary>
public sealed record RequestAccepted(string RequestId, string Status);

/// <summary>One line of <c>GET /api/v1/requests</c> (<c>requests list</c>).</summary>
/// <param name="Summary">what the request is about: the subject of a PKCS request, the serial of a revocation.</param>
public sealed record RequestListItem(string Feature, string RequestId, string State, string Summary, DateTimeOffset EnqueuedAt, string? ErrorCode);

/// <summary>
/// One request found by ID: in some feature's standalone queue (<see cref="Source"/> "queue"), or, when no queue holds it (every
/// request in service-connected mode), by that feature's request actor ("actor", with its <see cref="View"/>; no
/// <see cref="EnqueuedAt"/>). <see cref="Details"/> is the path of that feature's full view of it, if it has one.
/// </summary>
public sealed record RequestFound(string Feature, string RequestId, string State, string Summary, DateTimeOffset? EnqueuedAt, string? ErrorCode,
    string? Details, string Source = "queue", RequestViewBody? View = null);

/// <summary>
/// A request actor's <see cref="RequestView"/> as the admin API writes it: the common fields, then the feature's own under
/// <see cref="Details"/>, written as the feature's record (the wire form wraps it with its manifest; HTTP clients need not know that).
/// </summary>
public sealed record RequestViewBody(string Feature, string RequestId, bool Known, string State, int Attempts, DateTimeOffset? NextAttemptAt,
    string? ErrorCode, string? ErrorMessage, string? SerialNumber, string? Thumbprint, DateTimeOffset? ExpiresAt, bool ResultDelivered,
    IReadOnlyList<HistoryEntry> History, object? Details)
{
    public static RequestViewBody Of(RequestView v) => new(v.Feature, v.RequestId, v.Known, v.State, v.Attempts, v.NextAttemptAt, v.ErrorCode,
        v.ErrorMessage, v.SerialNumber, v.Thumbprint, v.ExpiresAt, v.ResultDelivered, v.History, v.Details);
}

/// <summary><c>GET /api/v1/status</c>; <see cref="Service"/> is the service mode and, in remote mode, the service and the last health message;
/// <see cref="Cas"/> the CAs configured on this instance, each probed for the answer; <see cref="Lifecycle"/> where this version stands
/// against the release feed.</summary>
public sealed record ConnectorStatus(string Instance, string Version, string Self, IReadOnlyCollection<string> Roles,
    IReadOnlyList<ClusterMemberStatus> Members, IReadOnlyList<string> Unreachable, IReadOnlyList<string> Warnings,
    IReadOnlyList<CertConnector.Adapters.Crypto.KeyPoolFill>? KeyPool = null, ServiceStatus? Service = null,
    IReadOnlyList<CertConnector.Host.Ca.Named.CaStatus>? Cas = null, string? ReleaseDate = null, CertConnector.Actors.Updates.Lifecycle? Lifecycle = null);

public sealed record ClusterMemberStatus(string Address, string Status, IReadOnlyCollection<string> Roles, string Version);
