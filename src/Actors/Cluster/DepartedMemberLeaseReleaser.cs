using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Cluster;

/// <summary>How the releaser retries a failed release, and how long one release may take.</summary>
public sealed record LeaseReleaseSettings(RetryPolicy Retry, TimeSpan Timeout)
{
    public static LeaseReleaseSettings Default { get; } = new(new RetryPolicy(10, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)), TimeSpan.FromSeconds(30));
}

/// <summary>
/// One per node: when a member is removed from the cluster (it left, or the split-brain resolver downed it after a
/// crash), releases the queue leases its instance held (<see cref="IQueueLeaseRelease"/>), so the requests it had
/// downloaded are handed out again at once instead of after the lease. The instance ID comes from the member's
/// <see cref="InstanceRole"/>, which its removal event still carries.
/// <para>
/// Every surviving node does this: the release is idempotent, so there is no election to get wrong. It is skipped
/// while another member with the same instance ID is in the cluster (the same data directory restarted and joined
/// again before the old incarnation was removed): those leases are the new incarnation's, and it released the old
/// ones itself at start. A failed release is retried with backoff (<see cref="LeaseReleaseSettings"/>); if it never
/// succeeds, the requests are handed out when their leases run out, as without this actor.
/// </para>
/// </summary>
public sealed class DepartedMemberLeaseReleaser : ReceiveActor, IWithTimers
{
    public const string Name = "departed-member-lease-releaser";

    private readonly IQueueLeaseRelease _release;
    private readonly LeaseReleaseSettings _settings;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, Member> _members = new();

    public DepartedMemberLeaseReleaser(IQueueLeaseRelease release, LeaseReleaseSettings settings)
    {
        _release = release;
        _settings = settings;

        // A node shutting down publishes every member as removed to itself: from then on, removals mean nothing.
        Receive<ClusterEvent.ClusterShuttingDown>(_ => Become(ShuttingDown));
        Receive<ClusterEvent.MemberRemoved>(OnRemoved);
        Receive<ClusterEvent.IMemberEvent>(e => _members[e.Member.UniqueAddress] = e.Member);
        Receive<Release>(r => Start(r.InstanceId, r.Attempt));
        Receive<Released>(r =>
        {
            if (r.Count > 0)
                _log.Info("Released {0} queue lease(s) of departed instance {1}: its requests are handed out again now.", r.Count, r.InstanceId);
            else
                _log.Debug("Departed instance {0} held no queue leases.", r.InstanceId);
        });
        Receive<ReleaseFailed>(OnFailed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void ShuttingDown()
    {
        Timers.CancelAll();
        ReceiveAny(_ => { });
    }

    public static Props Props(IQueueLeaseRelease release, LeaseReleaseSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new DepartedMemberLeaseReleaser(release, settings ?? LeaseReleaseSettings.Default));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ClusterShuttingDown));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnRemoved(ClusterEvent.MemberRemoved removed)
    {
        var member = removed.Member;
        _members.Remove(member.UniqueAddress);
        if (member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) || SelfDeparting) return;
        if (InstanceRole.InstanceIdOf(member) is not { } instanceId)
        {
            _log.Debug("Member {0} left without an instance role: its queue leases (if any) run out on their own.", member.Address);
            return;
        }
        _log.Info("Member {0} (instance {1}) was removed after {2}: releasing its queue leases.", member.Address, instanceId, removed.PreviousStatus);
        Start(instanceId, 1);
    }

    /// <summary>This node was downed or is gone: its view of the others is no longer to be trusted, and it is on its way out.</summary>
    private bool SelfDeparting =>
        _cluster.IsTerminated || _members.TryGetValue(_cluster.SelfUniqueAddress, out var self) && self.Status is MemberStatus.Down or MemberStatus.Removed;

    private void Start(string instanceId, int attempt)
    {
        if (SelfDeparting) return;
        if (_members.Values.Any(m => InstanceRole.InstanceIdOf(m) == instanceId))
        {
            _log.Info("Instance {0} is a member again: its queue leases are its own, not released.", instanceId);
            return;
        }
        var (release, timeout) = (_release, _settings.Timeout);
        Task.Run(async () =>
        {
            using var cancel = new CancellationTokenSource(timeout);
            return await release.ReleaseLeasesOfAsync(instanceId, cancel.Token).ConfigureAwait(false);
        }).PipeTo(Self, success: count => new Released(instanceId, count), failure: e => new ReleaseFailed(instanceId, attempt, e));
    }

    private void OnFailed(ReleaseFailed failed)
    {
        if (failed.Attempt >= _settings.Retry.MaxAttempts)
        {
            _log.Error(failed.Cause, "Releasing the queue leases of departed instance {0} failed {1} times; its requests are handed out when their leases run out.",
                failed.InstanceId, failed.Attempt);
            return;
        }
        var delay = _settings.Retry.DelayFor(failed.Attempt, Random.Shared.NextDouble());
        _log.Warning("Releasing the queue leases of departed instance {0} failed (attempt {1}), retrying in {2}: {3}",
            failed.InstanceId, failed.Attempt, delay, failed.Cause.Message);
        Timers.StartSingleTimer("release-" + failed.InstanceId, new Release(failed.InstanceId, failed.Attempt + 1), delay);
    }

    private sealed record Release(string InstanceId, int Attempt);
    private sealed record Released(string InstanceId, int Count);
    private sealed record ReleaseFailed(string InstanceId, int Attempt, Exception Cause);
}

/// <summary>Registry key of this node's <see cref="DepartedMemberLeaseReleaser"/>.</summary>
public sealed class DepartedMemberLeaseReleaserKey;

public static class DepartedMemberLeaseReleaseHosting
{
    /// <summary>Starts this node's <see cref="DepartedMemberLeaseReleaser"/>; <see cref="IQueueLeaseRelease"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddDepartedMemberLeaseRelease(this AkkaConfigurationBuilder builder, LeaseReleaseSettings? settings = null) =>
        builder.WithActors((system, registry, resolver) => registry.Register<DepartedMemberLeaseReleaserKey>(
            system.ActorOf(DepartedMemberLeaseReleaser.Props(resolver.GetService<IQueueLeaseRelease>(), settings), DepartedMemberLeaseReleaser.Name)));
}
