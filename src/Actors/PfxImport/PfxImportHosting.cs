using Akka.Cluster.Hosting;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Sharding;

namespace CertConnector.Actors.PfxImport;

/// <summary>Registry key of the PKCS import shard region (or proxy, on nodes without the role).</summary>
public sealed class PfxImportRequestRegion;

/// <summary>Registry key of this node's PKCS import coordinator (its backoff supervisor).</summary>
public sealed class PfxImportCoordinatorKey;

/// <summary>The PKCS import feature's <see cref="RequestCoordinator"/>: pulls from <see cref="IPfxImportService"/>.</summary>
public static class PfxImportCoordinator
{
    public static PullSource Source(IPfxImportService service, PfxImportOptions options) => new("pkcs-import",
        async (max, ct) => [.. (await service.DownloadPfxImportRequestsAsync(max, ct).ConfigureAwait(false)).Select(r => new StartPfxImportRequest(r))],
        start => start, ConnectorEvents.PkcsImportDownloadSuccess, ConnectorEvents.PkcsImportDownloadFailure, options.PullSettings);
}

public static class PfxImportHosting
{
    public const string Role = "pkcs-import";
    public const string ShardTypeName = "pkcs-import-request";

    /// <summary>
    /// The PKCS import feature: sharded, remembered request actors and a per-node coordinator on nodes with the
    /// role; a proxy elsewhere. <see cref="PfxImportPorts"/> comes from DI.
    /// </summary>
    public static AkkaConfigurationBuilder AddPfxImportFeature(this AkkaConfigurationBuilder builder, PfxImportOptions options)
    {
        if (!options.Enabled)
            return builder.WithShardRegionProxy<PfxImportRequestRegion>(ShardTypeName, Role, new RequestMessageExtractor());

        return builder
            .WithShardRegion<PfxImportRequestRegion>(ShardTypeName,
                (_, _, resolver) => id => PfxImportRequestActor.Props(id, resolver.GetService<PfxImportPorts>()),
                new RequestMessageExtractor(),
                RequestShardOptions.For(Role))
            .WithActors((system, registry, resolver) =>
            {
                var ports = resolver.GetService<PfxImportPorts>();
                var supervised = RequestCoordinator.Supervised(registry.Get<PfxImportRequestRegion>(), PfxImportCoordinator.Source(ports.Service, ports.Options), ports.Log);
                registry.Register<PfxImportCoordinatorKey>(system.ActorOf(supervised, "pkcs-import-coordinator-supervisor"));
            });
    }
}
