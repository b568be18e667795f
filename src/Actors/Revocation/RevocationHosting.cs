using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Revocation;

/// <summary>Registry key of the revocation shard region (or proxy, on nodes without the role).</summary>
public sealed class RevocationRequestRegion;

/// <summary>Registry key of this node's revocation coordinator (its backoff supervisor).</summary>
public sealed class RevocationCoordinatorKey;

/// <summary>The revocation feature's <see cref="RequestCoordinator"/>: pulls from <see cref="IRevocationService"/>.</summary>
public static class RevocationCoordinator
{
    public static PullSource Source(IRevocationService service, RevocationOptions options) => new("revocation",
        async (max, ct) => [.. (await service.DownloadRevocationRequestsAsync(max, ct).ConfigureAwait(false)).Select(r => new StartRevocationRequest(r))],
        start => start, ConnectorEvents.RevokeDownloadSuccess, ConnectorEvents.RevokeDownloadFailure, options.PullSettings);
}

public static class RevocationHosting
{
    public const string Role = "revocation";
    public const string ShardTypeName = "revocation-request";

    /// <summary>The revocation feature (see <see cref="PulledFeatureHosting"/>); <see cref="RevocationPorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddRevocationFeature(this AkkaConfigurationBuilder builder, RevocationOptions options) =>
        builder.AddPulledFeature<RevocationRequestRegion, RevocationCoordinatorKey, RevocationPorts>(options.Enabled, Role, ShardTypeName, RevocationRequestActor.Props,
            ports => RevocationCoordinator.Source(ports.Service, ports.Options), ports => ports.Log);
}
