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

/// <summary>The revocation feature's part of a <see cref="RequestView"/> (the view's serial is the one to revoke).</summary>
/// <param name="Failure">the final failure, or the last failed attempt's while the revocation waits to retry.</param>
/// <param name="ResultCode">the code of the result for the service: the final failure's, or "already revoked"; null for a plain success.</param>
public sealed record RevocationViewDetails(RevocationReason Reason, FailureReason? Failure, string? ResultCode) : IRequestViewDetails;
