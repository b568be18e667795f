namespace CertConnector.Actors.Ports;

/// <summary>
/// Ends the queue leases an instance holds, so the requests it downloaded but may never finish are handed out again at
/// once instead of after the lease. Called by a surviving member when a member left or was downed
/// (<see cref="Cluster.DepartedMemberLeaseReleaser"/>). Idempotent: only unfinished requests still leased by
/// <c>instanceId</c> are touched, so several members calling it for one departure, or a retry, does no harm.
/// Requests the departed instance had already journaled are resumed by their actors on another member; handing them
/// out again is harmless, because a request actor ignores a second start. Failures are exceptions; the caller retries.
/// </summary>
public interface IQueueLeaseRelease
{
    /// <returns>How many leases were ended, over every queue.</returns>
    Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken);
}
