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

    public static IReadOnlyList<EventDefinition> All { get; } = [ClusterPeerRefused];
}
