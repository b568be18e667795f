using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;

namespace CertConnector.Host.Revocation;

/// <summary>
/// TEMPORARY, until BuiltInCa implements <see cref="ICertificateRevoker"/> (the CRL/OCSP branch): marks the serial
/// revoked in the built-in CA's issued-certificate store, so the revocation pipeline can be run end to end. It
/// publishes no CRL and answers no OCSP. Drop this file and its registration when that branch merges.
/// </summary>
public sealed class TemporaryStoreRevoker(BuiltInCa ca, TimeProvider time) : ICertificateRevoker
{
    public Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken) =>
        Task.FromResult(ca.Store.Revoke(serialNumber, reason.ToString(), time.GetUtcNow()) switch
        {
            RevocationOutcome.Revoked => RevocationResult.Revoked,
            RevocationOutcome.AlreadyRevoked => RevocationResult.AlreadyRevoked,
            _ => throw ConnectorFailureException.Final(ICertificateRevoker.NotFoundCode, $"The CA never issued a certificate with serial {serialNumber}."),
        });
}
