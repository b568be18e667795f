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

/// <summary>The PKCS import feature's part of a <see cref="RequestView"/>: never the PFX or its password.</summary>
/// <param name="Failure">the final failure, or the last failed attempt's while the import waits to retry.</param>
public sealed record PkcsImportViewDetails(string UserPrincipalName, string PaddingScheme, FailureReason? Failure) : IRequestViewDetails;
