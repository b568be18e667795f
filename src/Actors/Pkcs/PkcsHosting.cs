using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Sharding;

namespace CertConnector.Actors.Pkcs;

/// <summary>Registry key of the PKCS request shard region (or proxy, on nodes without the role).</summary>
public sealed class PkcsRequestRegion;

/// <summary>Registry key of this node's PKCS coordinator (its backoff supervisor).</summary>
public sealed class PkcsCoordinatorKey;

public static class PkcsHosting
{
    public const string Role = "pkcs";
    public const string ShardTypeName = "pkcs-request";

    /// <summary>
    /// The PKCS feature: the sharded request actors (remembered, so unfinished requests resume after a
    /// restart without being downloaded again) and a per-node coordinator on nodes with the role; a proxy
    /// elsewhere, so the admin API can still ask about requests. <see cref="PkcsPorts"/> comes from DI.
    /// </summary>
    public static AkkaConfigurationBuilder AddPkcsFeature(this AkkaConfigurationBuilder builder, PkcsOptions options)
    {
        if (!options.Enabled)
            return builder.WithShardRegionProxy<PkcsRequestRegion>(ShardTypeName, Role, new RequestMessageExtractor());

        return builder
            .WithShardRegion<PkcsRequestRegion>(ShardTypeName,
                (_, _, resolver) => id => PkcsRequestActor.Props(id, resolver.GetService<PkcsPorts>()),
                new RequestMessageExtractor(),
                RequestShardOptions.For(Role))
            .WithActors((system, registry, resolver) =>
            {
                var ports = resolver.GetService<PkcsPorts>();
                var supervised = RequestCoordinator.Supervised(registry.Get<PkcsRequestRegion>(), PkcsCoordinator.Source(ports.Service, ports.Options), ports.Log);
                registry.Register<PkcsCoordinatorKey>(system.ActorOf(supervised, "pkcs-coordinator-supervisor"));
            });
    }
}
