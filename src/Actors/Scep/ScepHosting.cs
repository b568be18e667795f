using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using CertConnector.Actors.Sharding;

namespace CertConnector.Actors.Scep;

/// <summary>Registry key of the SCEP request shard region (or proxy, on nodes without the role).</summary>
public sealed class ScepRequestRegion;

public static class ScepHosting
{
    public const string Role = "scep";
    public const string ShardTypeName = "scep-request";

    /// <summary>
    /// The SCEP feature: sharded, remembered request actors (a pending notification resumes after a
    /// restart). <see cref="ScepPorts"/> comes from DI. Nodes without the role get a proxy.
    /// </summary>
    public static AkkaConfigurationBuilder AddScepFeature(this AkkaConfigurationBuilder builder, ScepOptions options) =>
        !options.Enabled
            ? builder.WithShardRegionProxy<ScepRequestRegion>(ShardTypeName, Role, new RequestMessageExtractor())
            : builder.WithShardRegion<ScepRequestRegion>(ShardTypeName,
                (_, _, resolver) => id => ScepRequestActor.Props(id, resolver.GetService<ScepPorts>()),
                new RequestMessageExtractor(),
                RequestShardOptions.For(Role));
}
