using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Recrypt;

/// <summary>Coordinator → request: work on this downloaded re-encrypt request (idempotent).</summary>
public sealed record StartRecryptRequest(RecryptRequest Request) : IWithRequestId, IConnectorSerializable
{
    public string RequestId => Request.RequestId;
}

/// <summary>Request → whoever started it: its result was uploaded.</summary>
public sealed record RecryptRequestCompleted(string RequestId, bool Succeeded) : IRequestCompleted, IConnectorSerializable;

/// <summary>Query for the admin API. Answered with <see cref="RecryptRequestView"/>.</summary>
public sealed record GetRecryptRequest(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>What the admin API shows of one re-encrypt request; <see cref="Exists"/> is false for an ID never downloaded.</summary>
public sealed record RecryptRequestView(
    string RequestId,
    bool Exists,
    string Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    FailureReason? Failure,
    string? FailedStage,
    bool ResultUploaded,
    IReadOnlyList<HistoryEntry> History) : IWithRequestId, IConnectorSerializable;
