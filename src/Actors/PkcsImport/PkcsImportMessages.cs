using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PkcsImport;

/// <summary>Coordinator → request: work on this downloaded import (idempotent, like <see cref="Pkcs.StartPkcsRequest"/>).</summary>
public sealed record StartPkcsImportRequest(PkcsImportRequest Request) : IWithRequestId, IConnectorSerializable
{
    public string RequestId => Request.RequestId;
}

/// <summary>Request → whoever started it: its result was uploaded.</summary>
public sealed record PkcsImportRequestCompleted(string RequestId, bool Succeeded) : IRequestCompleted, IConnectorSerializable;

/// <summary>Query for the admin API. Answered with <see cref="PkcsImportRequestView"/>.</summary>
public sealed record GetPkcsImportRequest(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>What the admin API shows of one import; <see cref="Exists"/> is false for an ID never downloaded.</summary>
public sealed record PkcsImportRequestView(
    string RequestId,
    bool Exists,
    string Status,
    string? UserPrincipalName,
    string? PaddingScheme,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    FailureReason? Failure,
    bool ResultUploaded,
    IReadOnlyList<HistoryEntry> History) : IWithRequestId, IConnectorSerializable;
