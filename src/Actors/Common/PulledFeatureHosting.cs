using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Sharding;

namespace CertConnector.Actors.Common;

/// <summary>The Akka.Hosting shape every pulled feature (PKCS, revocation, PKCS import, recrypt) shares.</summary>
public static class PulledFeatureHosting
{
    /// <summary>
    /// On nodes with the feature: its sharded, remembered request actors (ports of type <typeparamref name="TPorts"/> from DI)
    /// and a per-node <see cref="RequestCoordinator"/> under its backoff supervisor, registered as <typeparamref name="TCoordinatorKey"/>.
    /// Elsewhere: a proxy to the region, so the admin API of any node reaches every request.
    /// </summary>
    public static AkkaConfigurationBuilder AddPulledFeature<TRegion, TCoordinatorKey, TPorts>(this AkkaConfigurationBuilder builder, bool enabled,
        string role, string shardTypeName, Func<string, TPorts, Props> requestProps, Func<TPorts, PullSource> source, Func<TPorts, IConnectorEventLog> log)
        where TPorts : notnull
    {
        if (!enabled)
            return builder.WithShardRegionProxy<TRegion>(shardTypeName, role, new RequestMessageExtractor());

        return builder
            .WithShardRegion<TRegion>(shardTypeName,
                (_, _, resolver) => id => requestProps(id, resolver.GetService<TPorts>()),
                new RequestMessageExtractor(),
                RequestShardOptions.For(role))
            .WithActors((system, registry, resolver) =>
            {
                var ports = resolver.GetService<TPorts>();
                var pull = source(ports);
                var supervised = RequestCoordinator.Supervised(registry.Get<TRegion>(), pull, log(ports));
                registry.Register<TCoordinatorKey>(system.ActorOf(supervised, $"{pull.Feature}-coordinator-supervisor"));
            });
    }
}
