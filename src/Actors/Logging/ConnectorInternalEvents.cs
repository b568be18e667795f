namespace CertConnector.Actors.Logging;

/// <summary>
/// Events of the connector itself, tied to no scenario of the shared contract (EVENT-IDS.md), numbered 0001-0999 so they
/// never collide with it. Written through the same <see cref="IConnectorEventLog"/>; deliberately not in
/// <see cref="ConnectorEvents.All"/>, which a test pins to the contract.
/// </summary>
public static class ConnectorInternalEvents
{
    public static readonly EventDefinition ClusterPeerRefused = new(101, "ClusterPeerRefused", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "a node was refused at the TLS handshake of the cluster transport (no certificate, not this connector's CA, another connector, not a cluster-member certificate, expired); logged once per peer and reason");

    public static readonly EventDefinition StartupRefused = new(1, "StartupRefused", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "the connector did not start: a setting, the data directory, a listener, the database, a CA or the service refused it; the message is the one line the console shows");

    public static readonly EventDefinition ClusterMemberUp = new(10, "ClusterMemberUp", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "an instance joined the cluster (this one included), with its roles");

    public static readonly EventDefinition ClusterMemberUnreachable = new(11, "ClusterMemberUnreachable", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "an instance stopped answering the others; its shards wait until it is back or removed");

    public static readonly EventDefinition ClusterMemberRemoved = new(12, "ClusterMemberRemoved", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "an instance left the cluster or was removed; its shards start on the others");

    public static readonly EventDefinition ServiceCallSucceeded = new(30, "ServiceCallSucceeded", EventChannel.Operational, TaskCategory.Connector, EventLevel.Debug,
        "one call to the management service succeeded: its path, attempt, time taken and client-request-id (Debug: switch the Operational channel's Debug on to see every call)");

    public static IReadOnlyList<EventDefinition> All { get; } = [StartupRefused, ClusterMemberUp, ClusterMemberUnreachable, ClusterMemberRemoved, ServiceCallSucceeded, ClusterPeerRefused];
}
