using System.CommandLine;
using Akka.Hosting;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Features;

/// <summary>
/// One feature as the host composes it: everything the host needs from the feature's folder, so adding a
/// feature is one entry in <see cref="ConnectorFeatures.All"/> and nothing in the composition classes, the
/// server, the CLI or the serializer (which takes the feature's manifest table).
/// </summary>
/// <param name="Name">the CLI command and the <c>--feature</c> of <c>requests list</c>.</param>
/// <param name="Role">the cluster role of nodes that run the feature's actors.</param>
/// <param name="ShardTypeName">the feature's shard region (for <c>cluster shards</c>).</param>
/// <param name="AddServices">the feature's adapters and ports (after the shared ones: CA, event log, standalone database).</param>
/// <param name="AddActors">the feature's Akka.Hosting extension (shard region or proxy, coordinator).</param>
/// <param name="MapEndpoints">the feature's admin API routes (and device-facing ones, for SCEP).</param>
/// <param name="Command">the feature's CLI command.</param>
public sealed record ConnectorFeature(
    string Name,
    string Role,
    string ShardTypeName,
    Func<ConnectorOptions, bool> IsEnabled,
    Action<IServiceCollection, ConnectorOptions> AddServices,
    Func<AkkaConfigurationBuilder, ConnectorOptions, AkkaConfigurationBuilder> AddActors,
    Action<IEndpointRouteBuilder> MapEndpoints,
    Func<Command> Command);
