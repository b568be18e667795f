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

/// <summary>The PKCS feature's part of a <see cref="RequestView"/>: what was asked for, and the failure as the request records it. Nothing
/// secret: no key, password or PFX.</summary>
/// <param name="Failure">the final failure, or the last failed attempt's while the request waits to retry.</param>
/// <param name="Ca">the CA the request goes to; null for one journaled before CAs had names.</param>
public sealed record PkcsViewDetails(string Subject, string Template, string Key, FailureReason? Failure, string? Ca = null) : IRequestViewDetails;
