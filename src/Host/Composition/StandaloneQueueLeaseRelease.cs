using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Host.Composition;

/// <summary>
/// <see cref="IQueueLeaseRelease"/> over every standalone queue (PKCS, revocation, PKCS import, recrypt): a departed instance's leases are
/// ended in each. The queues are independent, so one failing does not keep the other's leases: the second still
/// runs, and the failure is rethrown for the caller to retry (which repeats the first harmlessly).
/// </summary>
public sealed class StandaloneQueueLeaseRelease(StandalonePkcsQueue pkcs, StandaloneRevocationQueue revocation,
    StandalonePkcsImportQueue pkcsImport, StandaloneRecryptQueue recrypt) : IQueueLeaseRelease
{
    public async Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        var releases = new[]
        {
            pkcs.ReleaseLeasesOfAsync(instanceId, cancellationToken),
            revocation.ReleaseLeasesOfAsync(instanceId, cancellationToken),
            pkcsImport.ReleaseLeasesOfAsync(instanceId, cancellationToken),
            recrypt.ReleaseLeasesOfAsync(instanceId, cancellationToken),
        };
        var counts = await Task.WhenAll(releases).ConfigureAwait(false);
        return counts.Sum();
    }
}
