using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Updates;

namespace CertConnector.Actors.Cluster;

/// <summary>Asks a node's <see cref="NodeInfoActor"/> who it is and how long it has run.</summary>
public sealed record GetNodeInfo : IConnectorSerializable
{
    public static GetNodeInfo Instance { get; } = new();
}

/// <summary>
/// A node's answer. <paramref name="Uptime"/> is measured by the answering node on its own monotonic clock, so
/// clock skew between machines does not distort it; <paramref name="StartedAt"/> is that node's wall clock.
/// <paramref name="ConnectorKey"/> names the connector key the node holds (the start of its fingerprint), null when it has none:
/// every instance that runs a feature decrypting with it must hold the same one.
/// </summary>
/// <paramref name="Cas"/> are the CAs the node has configured, each with whether it answered its last call: every instance of a feature must
/// reach the same CAs.
/// <paramref name="Lifecycle"/> is the node's lifecycle state against the release feed as it last checked it.
public sealed record NodeInfo(string Instance, string Version, DateTimeOffset StartedAt, TimeSpan Uptime, string? ConnectorKey = null,
    IReadOnlyList<NodeCa>? Cas = null, Lifecycle? Lifecycle = null) : IConnectorSerializable;

/// <summary>One CA configured on a node, in its <see cref="NodeInfo"/>.</summary>
/// <param name="Answered">whether the CA answered the node's last call to it; null before the first.</param>
public sealed record NodeCa(string Name, string Type, bool IsDefault, bool? Answered, string? Error = null);

/// <summary>
/// One per node, at the fixed path <c>/user/node-info</c>, so any node can ask any member by its address
/// (cluster inspection: <c>certconnector cluster show</c>). It holds no state beyond its start time.
/// </summary>
public sealed class NodeInfoActor : ReceiveActor
{
    public const string Name = "node-info";

    /// <param name="cas">the node's CAs as they stand (read, never called, when asked).</param>
    /// <param name="lifecycle">the node's lifecycle as it stands (read when asked).</param>
    public NodeInfoActor(string instance, string version, TimeProvider time, string? connectorKey = null, Func<IReadOnlyList<NodeCa>>? cas = null,
        Func<Lifecycle>? lifecycle = null)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        Receive<GetNodeInfo>(_ => Sender.Tell(new NodeInfo(instance, version, startedAt, time.GetElapsedTime(started), connectorKey, cas?.Invoke(), lifecycle?.Invoke())));
    }

    public static Props Props(string instance, string version, TimeProvider? time = null, string? connectorKey = null, Func<IReadOnlyList<NodeCa>>? cas = null,
        Func<Lifecycle>? lifecycle = null) =>
        Akka.Actor.Props.Create(() => new NodeInfoActor(instance, version, time ?? TimeProvider.System, connectorKey, cas, lifecycle));

    /// <summary>The path of a member's node-info actor.</summary>
    public static ActorPath PathAt(Address member) => new RootActorPath(member) / "user" / Name;
}

/// <summary>Registry key of this node's <see cref="NodeInfoActor"/>.</summary>
public sealed class NodeInfoKey;

public static class NodeInfoHosting
{
    public static AkkaConfigurationBuilder AddNodeInfo(this AkkaConfigurationBuilder builder, string instance, string version, string? connectorKey = null,
        Func<IReadOnlyList<NodeCa>>? cas = null, Func<Lifecycle>? lifecycle = null) =>
        builder.WithActors((system, registry) =>
            registry.Register<NodeInfoKey>(system.ActorOf(NodeInfoActor.Props(instance, version, connectorKey: connectorKey, cas: cas, lifecycle: lifecycle), NodeInfoActor.Name)));
}

/// <summary>Wire names of the cluster-inspection messages (never persisted, but they cross nodes).</summary>
public static class ClusterManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["cluster.get-node-info.v1"] = typeof(GetNodeInfo),
        ["cluster.node-info.v1"] = typeof(NodeInfo),
    };
}
