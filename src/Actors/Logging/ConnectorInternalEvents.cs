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

    public static readonly EventDefinition StatusPageSignInCodeIssued = new(280, "StatusPageSignInCodeIssued", EventChannel.Admin, TaskCategory.Connector, EventLevel.Information,
        "a one-time sign-in link for the status page was issued through the admin API (certconnector status --open); the code itself is not logged");

    public static readonly EventDefinition StatusPageSignedIn = new(281, "StatusPageSignedIn", EventChannel.Admin, TaskCategory.Connector, EventLevel.Information,
        "a browser signed in to the status page, with a one-time link or the admin token; `method` says which, `remote` from where");

    public static readonly EventDefinition StatusPageSignInRefused = new(282, "StatusPageSignInRefused", EventChannel.Admin, TaskCategory.Connector, EventLevel.Warning,
        "a status page sign-in was refused: an unknown, used or expired link, a wrong token, a cross-site or forged form, or too many codes outstanding; `reason` says which");

    public static IReadOnlyList<EventDefinition> All { get; } = [ClusterPeerRefused, StatusPageSignInCodeIssued, StatusPageSignedIn, StatusPageSignInRefused];
}
