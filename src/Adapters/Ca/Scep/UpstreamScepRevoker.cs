using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>SCEP has no revocation message: a revocation routed to an upstream SCEP CA fails for good, saying where to revoke.</summary>
public sealed class UpstreamScepRevoker(UpstreamScepOptions options) : ICertificateRevoker
{
    public const string NotSupportedCode = "RevocationNotSupported";

    public Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken) =>
        Task.FromException<RevocationResult>(ConnectorFailureException.Final(NotSupportedCode,
            $"Certificate {serialNumber} was issued by the upstream SCEP CA at {options.Url}; SCEP has no revocation, so the connector cannot revoke it. " +
            "Revoke it at that CA itself (ADCS: certsrv.msc > Issued Certificates > Revoke, or certutil -revoke <serial> <reason>)."));
}
