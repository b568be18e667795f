using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Host.Composition;

/// <summary>
/// <see cref="IQueueLeaseRelease"/> over every standalone queue the features registered: a departed instance's leases are
/// ended in each. The queues are independent, so one failing does not keep the others' leases: the rest still run, and
/// the failure is rethrown for the caller to retry (which repeats the finished ones harmlessly).
/// </summary>
public sealed class StandaloneQueueLeaseRelease(IEnumerable<IStandaloneRequestList> queues) : IQueueLeaseRelease
{
    public async Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        var counts = await Task.WhenAll(queues.Select(q => q.ReleaseLeasesOfAsync(instanceId, cancellationToken))).ConfigureAwait(false);
        return counts.Sum();
    }
}
