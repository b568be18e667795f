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

    public static readonly EventDefinition NotReady = new(200, "NotReady", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "the instance turned not ready (/readyz answers 503): which checks failed and why (cluster member not Up, database unreachable, a CA not answering, a feature coordinator not running); logged when the state changes, not per probe");

    public static readonly EventDefinition Ready = new(201, "Ready", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "the instance is ready (/readyz answers 200): at the first readiness check that passes and after each recovery from not ready");

    public static IReadOnlyList<EventDefinition> All { get; } = [ClusterPeerRefused, NotReady, Ready];
}
