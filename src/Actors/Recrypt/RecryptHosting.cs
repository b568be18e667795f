using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Recrypt;

/// <summary>Registry key of the recrypt shard region (or proxy, on nodes without the role).</summary>
public sealed class RecryptRequestRegion;

/// <summary>Registry key of this node's recrypt coordinator (its backoff supervisor).</summary>
public sealed class RecryptCoordinatorKey;

/// <summary>The recrypt feature's <see cref="RequestCoordinator"/>: pulls from <see cref="IRecryptService"/>.</summary>
public static class RecryptCoordinator
{
    public static PullSource Source(IRecryptService service, RecryptOptions options) => new("recrypt",
        async (max, ct) => [.. (await service.DownloadRecryptRequestsAsync(max, ct).ConfigureAwait(false)).Select(r => new StartRecryptRequest(r))],
        start => start, ConnectorEvents.PkcsRecryptDownloadSuccess, ConnectorEvents.PkcsRecryptDownloadFailure, options.PullSettings);
}

public static class RecryptHosting
{
    public const string Role = "recrypt";
    public const string ShardTypeName = "recrypt-request";

    /// <summary>The recrypt feature (see <see cref="PulledFeatureHosting"/>); <see cref="RecryptPorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddRecryptFeature(this AkkaConfigurationBuilder builder, RecryptOptions options) =>
        builder.AddPulledFeature<RecryptRequestRegion, RecryptCoordinatorKey, RecryptPorts>(options.Enabled, Role, ShardTypeName, RecryptRequestActor.Props,
            ports => RecryptCoordinator.Source(ports.Service, ports.Options), ports => ports.Log);
}
