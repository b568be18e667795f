using System.CommandLine;
using Akka.Actor;
using Akka.Hosting;
using CertConnector.Host.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CertConnector.Host.Features;

/// <summary>
/// One feature as the program composes it: everything the rest of the program needs to know about it, so adding a feature is
/// one entry in <see cref="ConnectorFeatures.All"/>. The composition, serializer, lease release, queue guard, server, CLI,
/// request views and cluster views loop over the features and name none (docs/DESIGN.md, "The feature module").
/// </summary>
public sealed record ConnectorFeature
{
    /// <summary>The one name of the feature: CLI command, admin API segment (<c>/api/v1/NAME/…</c>), <c>--feature</c> of <c>requests list</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The event a request of the feature that failed for good is logged with (the status page names it beside each failure).</summary>
    public CertConnector.Actors.Logging.EventDefinition? FailureEvent { get; init; }

    /// <summary>The cluster role of nodes that run the feature's actors (only enabled features' roles are announced).</summary>
    public required string Role { get; init; }

    /// <summary>The feature's shard region (for <c>cluster shards</c>).</summary>
    public required string ShardTypeName { get; init; }

    /// <summary>The feature's settings section (<c>Connector:SECTION</c>): bound, checked and listed like every other setting.</summary>
    public required FeatureSettings Settings { get; init; }

    /// <summary>Whether this instance runs the feature: its settings section's <c>Enabled</c>.</summary>
    public bool IsEnabled(ConnectorOptions options) => Settings.IsEnabled(options.Feature(this));

    /// <summary>Checks of the feature's settings beyond "above zero" (which every setting gets): throws a <see cref="StartupException"/>.</summary>
    public Action<ConnectorOptions>? CheckSettings { get; init; }

    /// <summary>The wire names of everything the feature persists or sends between nodes (its <c>*Manifests.Table</c>).</summary>
    public required IReadOnlyDictionary<string, Type> Manifests { get; init; }

    /// <summary>
    /// Standalone adapters and ports, after the shared ones (CA, connector key, event log, standalone database). A feature with a
    /// standalone queue registers it as <c>IStandaloneRequestList</c>: that lists it in <c>requests list/show</c> and releases a
    /// departed instance's leases in it.
    /// </summary>
    public required Action<IServiceCollection, ConnectorOptions> AddServices { get; init; }

    /// <summary>Service-connected mode: the ports that go to the management service (over the registered <c>ServiceChannel</c>);
    /// registered after every feature's <see cref="AddServices"/>, so they win.</summary>
    public Action<IServiceCollection, ConnectorOptions>? AddRemoteServices { get; init; }

    /// <summary>The management-service endpoints (<c>ServiceNames</c>) the feature calls when enabled: checked at start-up in remote mode.</summary>
    public IReadOnlyList<string> RemoteServiceNames { get; init; } = [];

    /// <summary>The feature's Akka.Hosting extension (shard region or proxy, coordinator).</summary>
    public required Func<AkkaConfigurationBuilder, ConnectorOptions, AkkaConfigurationBuilder> AddActors { get; init; }

    /// <summary>The feature's routes: admin API ones, and device-facing ones (<c>RequireListener(Listeners.Device)</c>) if it has a <see cref="DeviceListener"/>.</summary>
    public required Action<IEndpointRouteBuilder> MapEndpoints { get; init; }

    /// <summary>The admin routes whose POST adds work: refused with 409 in service-connected mode, where the service feeds the queues.</summary>
    public IReadOnlyList<string> QueueingRoutes { get; init; } = [];

    /// <summary>The device-facing listener the feature serves devices on (when enabled); null for a feature only the admin API reaches.</summary>
    public DeviceListenerUse? DeviceListener { get; init; }

    /// <summary>Listener limits the feature's device-facing routes need (when enabled).</summary>
    public Action<KestrelServerOptions, ConnectorOptions>? ConfigureKestrel { get; init; }

    /// <summary>The feature's CLI command.</summary>
    public required Func<Command> Command { get; init; }

    /// <summary>How <c>requests show</c> asks the feature's request actors about an ID no queue holds; null for a feature without request actors.</summary>
    public FeatureRequestView? RequestView { get; init; }

    /// <summary>The feature's per-node coordinator (its backoff supervisor) on instances that run the feature, for <c>/readyz</c>; null for a
    /// feature without one (SCEP: devices drive its request actors).</summary>
    public Func<IServiceProvider, IActorRef>? Coordinator { get; init; }

    /// <summary>Whether the feature decrypts with the connector key: members with its role must hold it (status and cluster warnings).</summary>
    public bool NeedsConnectorKey { get; init; }

    /// <summary>The admin API route of a feature's requests, <c>/api/v1/NAME/requests</c> (a POST there queues one).</summary>
    public static string RequestsRoute(string name) => $"/api/v1/{name}/requests";

    /// <summary>The admin API path of one of a feature's requests (its own view of it).</summary>
    public static Func<string, string> RequestPath(string name) => id => $"{RequestsRoute(name)}/{Uri.EscapeDataString(id)}";
}

/// <summary>A feature's request actors as the admin API asks them (<c>GetRequestView</c>).</summary>
/// <param name="Region">the shard region (or proxy) from the service provider, e.g. through <c>IRequiredActor&lt;TKey&gt;</c>.</param>
/// <param name="PersistenceId">the journal's name for a request of the feature (asked first, so an unknown ID wakes no entity).</param>
/// <param name="DetailsPath">the feature's own view of a request (<c>NAME show</c>), if it has one.</param>
public sealed record FeatureRequestView(Func<IServiceProvider, IActorRef> Region, Func<string, string> PersistenceId, Func<string, string>? DetailsPath = null);
