using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Updates;
using CertConnector.Host.Features;

namespace CertConnector.Host.Admin;

/// <summary>
/// Cluster inspection (what Petabridge.Cmd's cluster and sharding commands would give): members from Akka's own
/// cluster state, shard placement from sharding's own queries, each node's uptime from its <see cref="NodeInfoActor"/>.
/// Every Ask has a timeout; a member that does not answer in time is shown without instance and uptime.
/// </summary>
public static class ClusterEndpoints
{
    /// <summary>How long one member's node-info actor, or the sharding statistics, may take.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cluster", async (ActorSystem system, Configuration.ConnectorOptions options) => Results.Ok(await ShowAsync(system, options.Features)));

        app.MapGet("/api/v1/cluster/shards", async (string? feature, ActorSystem system, Configuration.ConnectorOptions options) =>
        {
            var features = options.Features;
            var chosen = feature is { Length: > 0 }
                ? features.Where(f => f.Name.Equals(feature.Trim(), StringComparison.OrdinalIgnoreCase)).ToList()
                : [.. features];
            if (chosen.Count == 0)
                return Results.BadRequest(new ApiError($"Unknown feature '{feature}'. Known: {string.Join(", ", features.Select(f => f.Name))}.", "feature"));
            var regions = await Task.WhenAll(chosen.Select(f => ShardsAsync(system, f)));
            return Results.Ok(regions.ToList());
        });

        app.MapPost("/api/v1/cluster/leave", (ClusterLeaveRequest request, ActorSystem system) =>
        {
            if (string.IsNullOrWhiteSpace(request.Address))
                return Results.BadRequest(new ApiError("Give the member's address, e.g. akka.ssl.tcp://certconnector@10.0.0.5:4053 (see cluster show).", "address"));
            if (!TryParseAddress(request.Address.Trim(), out var address))
                return Results.BadRequest(new ApiError($"'{request.Address}' is not an Akka address such as akka.ssl.tcp://certconnector@10.0.0.5:4053.", "address"));
            var cluster = Cluster.Get(system);
            // The transport is always TLS, so members are akka.ssl.tcp; the akka.tcp form operators know from seed nodes names the same member.
            var member = cluster.State.Members.FirstOrDefault(m => m.Address.System == address.System && m.Address.Host == address.Host && m.Address.Port == address.Port);
            if (member is null)
                return Results.NotFound(new ApiError($"{address} is not a member of this cluster (see cluster show).", "address"));
            cluster.Leave(member.Address);
            return Results.Accepted(value: new ClusterLeaveAccepted(member.Address.ToString(), member.Status.ToString(), "Leaving"));
        });

        return app;
    }

    public static async Task<ClusterView> ShowAsync(ActorSystem system, IReadOnlyList<ConnectorFeature> features)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.ToList();
        var infos = await Task.WhenAll(members.Select(m => unreachable.Contains(m.Address) ? Task.FromResult<NodeInfo?>(null) : AskNodeInfoAsync(system, m.Address)));
        var rows = members.Select((m, i) => new ClusterMemberView(
            m.Address.ToString(), m.Status.ToString(), [.. InstanceRole.FeatureRoles(m.Roles).Order()], !unreachable.Contains(m.Address),
            m.AppVersion.ToString(), infos[i]?.Instance, infos[i]?.StartedAt, infos[i]?.Uptime,
            m.Address.Equals(state.Leader), m.Address.Equals(cluster.SelfAddress), InstanceRole.InstanceIdOf(m), infos[i]?.ConnectorKey, infos[i]?.Cas,
            infos[i]?.Lifecycle)).ToList();
        return new ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(), rows, [.. VersionWarnings(state.Members),
            .. ConnectorKeyWarnings(rows, infos, ConnectorKey.ConnectorKeyEndpoints.RolesNeedingKey(features)),
            .. Ca.Named.CaStatusView.ClusterWarnings([.. rows.Select(r => (r.Address, (IReadOnlyCollection<string>)r.Roles, r.Cas))]),
            .. rows.Where(r => r.Lifecycle is { State: LifecycleState.Superseded or LifecycleState.OutOfSupport }).Select(r => $"{r.Address}: {r.Lifecycle!.Message}")]);
    }

    /// <summary>
    /// Every member with a role in <paramref name="keyRoles"/> (the features that decrypt with the connector key) must hold the same
    /// connector key. Warns about a member that answered without one, and when the members hold different ones. Members that did not
    /// answer are not judged.
    /// </summary>
    public static IReadOnlyList<string> ConnectorKeyWarnings(IReadOnlyList<ClusterMemberView> rows, IReadOnlyList<NodeInfo?> infos, IReadOnlyList<string> keyRoles)
    {
        var needing = rows.Select((row, i) => (Row: row, Info: infos[i]))
            .Where(m => m.Info is not null && m.Row.Roles.Any(keyRoles.Contains)).ToList();
        var warnings = needing.Where(m => m.Info!.ConnectorKey is null)
            .Select(m => $"{m.Row.Address} ({m.Info!.Instance}) has the {string.Join(" or ", keyRoles)} role but no connector key.").ToList();
        var keys = needing.Where(m => m.Info!.ConnectorKey is not null).GroupBy(m => m.Info!.ConnectorKey!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (keys.Count > 1)
            warnings.Add($"Instances hold different connector keys: {string.Join("; ", keys.Select(g => $"{g.Key} on {string.Join(", ", g.Select(m => m.Row.Address))}"))}.");
        return warnings;
    }

    /// <summary>A warning when the Up members run different versions (as each announced it to the cluster).</summary>
    public static IReadOnlyList<string> VersionWarnings(IEnumerable<Member> members)
    {
        var versions = members.Where(m => m.Status == MemberStatus.Up)
            .GroupBy(m => m.AppVersion.ToString())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        return versions.Count <= 1
            ? []
            : [$"Instances run different versions: {string.Join("; ", versions.Select(g => $"{g.Key} on {string.Join(", ", g.Select(m => m.Address))}"))}."];
    }

    private static async Task<NodeInfo?> AskNodeInfoAsync(ActorSystem system, Address member)
    {
        try
        {
            return await system.ActorSelection(NodeInfoActor.PathAt(member)).Ask<NodeInfo>(GetNodeInfo.Instance, AskTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null; // e.g. an older version without the actor, or a node on its way out
        }
    }

    private static async Task<ShardRegionView> ShardsAsync(ActorSystem system, ConnectorFeature feature)
    {
        var region = RegionOf(system, feature.ShardTypeName);
        var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(AskTimeout), AskTimeout + TimeSpan.FromSeconds(2));
        var regions = stats.Regions
            .OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
            .Select(r => new ShardRegionHolder(r.Key.ToString(), r.Value.Stats.Values.Sum(),
                [.. r.Value.Stats.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new ShardEntities(s.Key, s.Value))],
                [.. r.Value.Failed.Order(StringComparer.Ordinal)]))
            .ToList();
        return new ShardRegionView(feature.Name, feature.ShardTypeName, feature.Role, regions.Sum(r => r.Shards.Count), regions.Sum(r => r.Entities), regions);
    }

    /// <summary>The feature's region on a node with its role, its proxy elsewhere: either answers for the whole cluster.</summary>
    private static IActorRef RegionOf(ActorSystem system, string typeName)
    {
        var sharding = ClusterSharding.Get(system);
        try
        {
            return sharding.ShardRegion(typeName);
        }
        catch (ArgumentException)
        {
            return sharding.ShardRegionProxy(typeName);
        }
    }

    private static bool TryParseAddress(string text, out Address address)
    {
        try
        {
            address = Address.Parse(text);
            return address.HasGlobalScope && address.Port is > 0;
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            address = null!;
            return false;
        }
    }
}

/// <summary><c>GET /api/v1/cluster</c> (<c>cluster show</c>).</summary>
/// <param name="Warnings">e.g. that Up members run different versions.</param>
public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<ClusterMemberView> Members, IReadOnlyList<string> Warnings);

/// <param name="Version">the version the member announced when it joined (<c>akka.cluster.app-version</c>).</param>
/// <param name="Instance">the member's instance name; null when its node-info actor did not answer in time (or it is unreachable).</param>
/// <param name="Roles">the member's feature roles (its <c>instance:</c> role is <paramref name="InstanceId"/>).</param>
/// <param name="Uptime">measured by the member itself when it answered.</param>
/// <param name="InstanceId">the ID of the member's data directory, from its cluster roles: its queue leases carry it.</param>
/// <param name="ConnectorKey">the start of the fingerprint of the member's connector key; null when it has none or did not answer.</param>
/// <param name="Cas">the member's configured CAs, each with whether it answered the member's last call; null when it did not answer.</param>
/// <param name="Lifecycle">the member's lifecycle state against the release feed; null when it did not answer.</param>
public sealed record ClusterMemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, string Version,
    string? Instance, DateTimeOffset? StartedAt, TimeSpan? Uptime, bool IsLeader, bool IsSelf, string? InstanceId = null, string? ConnectorKey = null,
    IReadOnlyList<NodeCa>? Cas = null, Lifecycle? Lifecycle = null);

/// <summary>One feature's shard region in <c>GET /api/v1/cluster/shards</c> (<c>cluster shards</c>).</summary>
public sealed record ShardRegionView(string Feature, string TypeName, string Role, int Shards, int Entities, IReadOnlyList<ShardRegionHolder> Regions);

/// <summary>One instance's region: its shards and their live entities (requests in memory).</summary>
/// <param name="Failed">shards that did not answer in time.</param>
public sealed record ShardRegionHolder(string Address, int Entities, IReadOnlyList<ShardEntities> Shards, IReadOnlyList<string> Failed);

public sealed record ShardEntities(string ShardId, int Entities);

/// <summary><c>POST /api/v1/cluster/leave</c>.</summary>
public sealed record ClusterLeaveRequest(string? Address);

public sealed record ClusterLeaveAccepted(string Address, string PreviousStatus, string Status);
