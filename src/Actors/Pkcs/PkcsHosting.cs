using Akka.Hosting;
using CertConnector.Actors.Common;

namespace CertConnector.Actors.Pkcs;

/// <summary>Registry key of the PKCS request shard region (or proxy, on nodes without the role).</summary>
public sealed class PkcsRequestRegion;

/// <summary>Registry key of this node's PKCS coordinator (its backoff supervisor).</summary>
public sealed class PkcsCoordinatorKey;

public static class PkcsHosting
{
    public const string Role = "pkcs";
    public const string ShardTypeName = "pkcs-request";

    /// <summary>The PKCS feature (see <see cref="PulledFeatureHosting"/>); <see cref="PkcsPorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddPkcsFeature(this AkkaConfigurationBuilder builder, PkcsOptions options) =>
        builder.AddPulledFeature<PkcsRequestRegion, PkcsCoordinatorKey, PkcsPorts>(options.Enabled, Role, ShardTypeName, PkcsRequestActor.Props,
            ports => PkcsCoordinator.Source(ports.Service, ports.Options), ports => ports.Log);
}
