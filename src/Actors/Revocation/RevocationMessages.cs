using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Revocation;

/// <summary>Coordinator → request: work on this downloaded revocation (idempotent, like <see cref="Pkcs.StartPkcsRequest"/>).</summary>
public sealed record StartRevocationRequest(RevocationRequest Request) : IWithRequestId, IConnectorSerializable
{
    public string RequestId => Request.RequestId;
}

/// <summary>Request → whoever started it: its result was uploaded.</summary>
public sealed record RevocationRequestCompleted(string RequestId, bool Succeeded) : IRequestCompleted, IConnectorSerializable;

/// <summary>Query for the admin API. Answered with <see cref="RevocationRequestView"/>.</summary>
public sealed record GetRevocationRequest(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>What the admin API shows of one revocation; <see cref="Exists"/> is false for an ID never downloaded.</summary>
public sealed record RevocationRequestView(
    string RequestId,
    bool Exists,
    string Status,
    string? SerialNumber,
    RevocationReason? Reason,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    FailureReason? Failure,
    string? ErrorCode,
    bool ResultUploaded,
    IReadOnlyList<HistoryEntry> History) : IWithRequestId, IConnectorSerializable;
