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

    public static readonly EventDefinition CredentialExpiring = new(20, "CredentialExpiring", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "a certificate the connector depends on (the CA, the SCEP RA, the OCSP signer, the connector key, an upstream CA) expires within the warning window (30 days); checked at start and every 12 hours");

    public static readonly EventDefinition CredentialExpired = new(21, "CredentialExpired", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "a certificate the connector depends on has expired: what it signs or decrypts no longer works for relying parties");

    public static readonly EventDefinition RestartRequested = new(40, "RestartRequested", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "the instance was asked to restart (certconnector configure wrote new settings): it leaves the cluster gracefully and exits with 75 for the service manager to start it again");

    public static readonly EventDefinition ServiceCallSucceeded = new(30, "ServiceCallSucceeded", EventChannel.Operational, TaskCategory.Connector, EventLevel.Debug,
        "one call to the management service succeeded: its path, attempt, time taken and client-request-id (Debug: switch the Operational channel's Debug on to see every call)");


    // Release feed and lifecycle (0220-0259).
    public static readonly EventDefinition UpdateFeedUnavailable = new(220, "UpdateFeedUnavailable", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "the release feed could not be fetched or read (unreachable, time-out, redirect, too large, not a manifest); the last accepted one stands");
    public static readonly EventDefinition UpdateFeedUnsigned = new(221, "UpdateFeedUnsigned", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "the release feed is not a signed CMS message (or has no signer): refused");
    public static readonly EventDefinition UpdateFeedBadSignature = new(222, "UpdateFeedBadSignature", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "the release feed's signature does not verify against the release key built into the connector: refused");
    public static readonly EventDefinition UpdateFeedExpired = new(223, "UpdateFeedExpired", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "the release feed's manifest is past its expiresUtc: refused");
    public static readonly EventDefinition UpdateFeedRolledBack = new(224, "UpdateFeedRolledBack", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "the release feed's manifest has a lower sequence, or a lower newest version, than one this instance accepted before: refused");
    public static readonly EventDefinition LifecycleStateChanged = new(225, "LifecycleStateChanged", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "this instance's lifecycle state changed (current, superseded with the date its support ends, out of support)");
    public static readonly EventDefinition UpdateAvailable = new(226, "UpdateAvailable", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "the release feed lists a newer version than this instance runs; logged once per newest version");
    public static readonly EventDefinition UpdatePackageRefused = new(227, "UpdatePackageRefused", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "a downloaded update package was refused: its sha256 differs from the signed manifest's, or it could not be fetched");
    public static readonly EventDefinition UpdatePackageDownloaded = new(228, "UpdatePackageDownloaded", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "an update package was downloaded and its sha256 matches the signed manifest");
    public static readonly EventDefinition UpdateTestKeyTrusted = new(229, "UpdateTestKeyTrusted", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "Connector:Updates:TestOnlyTrustedCertificate is set: release feeds signed by that key are believed too (tests only; never in production)");
    public static readonly EventDefinition UpdateLeaseTaken = new(230, "UpdateLeaseTaken", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "this instance took the connector's update lease (automatic update: one instance at a time) to install a version; `expiresUtc` says until when");
    public static readonly EventDefinition UpdateInstalled = new(231, "UpdateInstalled", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "update apply installed a version on this instance and it is ready; the update lease, if this instance held it, is given back");
    public static readonly EventDefinition UpdateRolledBack = new(232, "UpdateRolledBack", EventChannel.Operational, TaskCategory.Connector, EventLevel.Error,
        "update apply installed a version that did not install or was not ready in time, and put the previous version back (`reason` says why); the update lease is given back");
    public static readonly EventDefinition UpdateLeaseRefused = new(233, "UpdateLeaseRefused", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "an automatic update on this instance waits: another instance holds the update lease (`holder`, `expiresUtc`)");

    public static readonly EventDefinition StatusPageSignInCodeIssued = new(280, "StatusPageSignInCodeIssued", EventChannel.Admin, TaskCategory.Connector, EventLevel.Information,
        "a one-time sign-in link for the status page was issued through the admin API (certconnector status --open); the code itself is not logged");

    public static readonly EventDefinition StatusPageSignedIn = new(281, "StatusPageSignedIn", EventChannel.Admin, TaskCategory.Connector, EventLevel.Information,
        "a browser signed in to the status page, with a one-time link or the admin token; `method` says which, `remote` from where");

    public static readonly EventDefinition StatusPageSignInRefused = new(282, "StatusPageSignInRefused", EventChannel.Admin, TaskCategory.Connector, EventLevel.Warning,
        "a status page sign-in was refused: an unknown, used or expired link, a wrong token, a cross-site or forged form, or too many codes outstanding; `reason` says which");


    public static readonly EventDefinition NotReady = new(200, "NotReady", EventChannel.Operational, TaskCategory.Connector, EventLevel.Warning,
        "the instance turned not ready (/readyz answers 503): which checks failed and why (cluster member not Up, database unreachable, a CA not answering, a feature coordinator not running); logged when the state changes, not per probe");

    public static readonly EventDefinition Ready = new(201, "Ready", EventChannel.Operational, TaskCategory.Connector, EventLevel.Information,
        "the instance is ready (/readyz answers 200): at the first readiness check that passes and after each recovery from not ready");


    public static IReadOnlyList<EventDefinition> All { get; } = [StartupRefused, ClusterMemberUp, ClusterMemberUnreachable, ClusterMemberRemoved, CredentialExpiring, CredentialExpired, RestartRequested, ServiceCallSucceeded, ClusterPeerRefused,
        UpdateFeedUnavailable, UpdateFeedUnsigned, UpdateFeedBadSignature,
        UpdateFeedExpired, UpdateFeedRolledBack, LifecycleStateChanged, UpdateAvailable, UpdatePackageRefused, UpdatePackageDownloaded, UpdateTestKeyTrusted,
        UpdateLeaseTaken, UpdateInstalled, UpdateRolledBack, UpdateLeaseRefused,
        StatusPageSignInCodeIssued, StatusPageSignedIn, StatusPageSignInRefused, NotReady, Ready];
}
