using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

/// <summary>Coordinator → request: work on this downloaded request (idempotent: a second copy is only an
/// extra subscriber for <see cref="PkcsRequestCompleted"/>).</summary>
public sealed record StartPkcsRequest(PkcsRequest Request) : IWithRequestId, IConnectorSerializable
{
    public string RequestId => Request.RequestId;
}

/// <summary>Request → whoever started it: it reached a terminal state and its result was uploaded.</summary>
public sealed record PkcsRequestCompleted(string RequestId, bool Succeeded) : IRequestCompleted, IConnectorSerializable;

/// <summary>Query for the admin API. Answered with <see cref="PkcsRequestView"/>.</summary>
public sealed record GetPkcsRequest(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>What the admin API shows of one request. <see cref="Exists"/> is false for an ID the
/// connector never downloaded. The trailing fields (added later, so optional on the wire) let the admin API show a request no
/// standalone queue holds (service-connected mode). Nothing secret: no key, password or PFX.</summary>
public sealed record PkcsRequestView(
    string RequestId,
    bool Exists,
    string Status,
    int Attempts,
    FailureReason? Failure,
    DateTimeOffset? NextAttemptAt,
    string? SerialNumber,
    string? Thumbprint,
    bool ResultUploaded,
    IReadOnlyList<HistoryEntry> History,
    string? Subject = null,
    string? Template = null,
    string? Key = null,
    DateTimeOffset? ExpiresAt = null) : IWithRequestId, IConnectorSerializable;
