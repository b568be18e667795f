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

/// <summary>The recrypt feature's part of a <see cref="RequestView"/>: never the payload.</summary>
/// <param name="Failure">the final failure, or the last failed attempt's while the request waits to retry.</param>
/// <param name="FailedStage">the stage that failed for good (Decrypt, Reencrypt), if one did.</param>
public sealed record RecryptViewDetails(FailureReason? Failure, string? FailedStage) : IRequestViewDetails;
