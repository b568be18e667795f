using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using CertConnector.Actors.Logging;

namespace CertConnector.Actors.Cluster;

/// <summary>
/// One per node: writes the cluster's membership changes as this node sees them to the Operational log (0010 up, 0011
/// unreachable, 0012 removed), each with the member's instance ID, address and feature roles, so an operator reading one
/// instance's log sees when a peer came, stopped answering or went, and which features it carried.
/// </summary>
public sealed class ClusterMembershipLog : ReceiveActor
{
    public const string Name = "cluster-membership-log";

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public ClusterMembershipLog(IConnectorEventLog log)
    {
        Receive<ClusterEvent.MemberUp>(e => Write(log, ConnectorInternalEvents.ClusterMemberUp, e.Member, "joined the cluster"));
        Receive<ClusterEvent.UnreachableMember>(e => Write(log, ConnectorInternalEvents.ClusterMemberUnreachable, e.Member,
            "does not answer; its shards wait until it answers again or is removed"));
        Receive<ClusterEvent.MemberRemoved>(e => Write(log, ConnectorInternalEvents.ClusterMemberRemoved, e.Member,
            $"was removed from the cluster (it was {e.PreviousStatus}); its shards start on the other members"));
        // A node shutting down hears every member removed: that is its own leaving, not theirs.
        Receive<ClusterEvent.ClusterShuttingDown>(_ => Become(() => ReceiveAny(_ => { })));
    }

    public static Props Props(IConnectorEventLog log) => Akka.Actor.Props.Create(() => new ClusterMembershipLog(log));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.ClusterShuttingDown));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Write(IConnectorEventLog log, EventDefinition definition, Member member, string what)
    {
        var instance = InstanceRole.InstanceIdOf(member) ?? "(unknown)";
        var roles = InstanceRole.FeatureRoles(member.Roles);
        var self = member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) ? " (this instance)" : "";
        log.Write(definition, null, $"Instance {instance}{self} at {member.Address} with roles [{string.Join(", ", roles)}] {what}.",
            ("instanceId", instance), ("address", member.Address.ToString()), ("roles", string.Join(",", roles)));
    }
}

public sealed class ClusterMembershipLogKey;

public static class ClusterMembershipLogHosting
{
    public static AkkaConfigurationBuilder AddClusterMembershipLog(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) => registry.Register<ClusterMembershipLogKey>(
            system.ActorOf(ClusterMembershipLog.Props(resolver.GetService<IConnectorEventLog>()), ClusterMembershipLog.Name)));
}
