using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Configuration;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Admin;

/// <summary>The admin API's shared routes: CA certificate, request listing, status.</summary>
public static class AdminEndpoints
{
    public static string Version { get; } =
        typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The release date built in with the version (Directory.Build.props, <c>ReleaseDate</c>).</summary>
    public static string ReleaseDate { get; } =
        typeof(AdminEndpoints).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ReleaseDate")?.Value ?? "unknown";

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/ca/certificate", (ICertificateAuthority ca) =>
            Results.Text(Pem.Certificates(ca.CaChainDer), "application/x-pem-file"));

        app.MapGet("/api/v1/requests", async (string? feature, string? state, int? limit, IEnumerable<IStandaloneRequestList> queues, CancellationToken ct) =>
        {
            var known = queues.ToList();
            var chosen = feature is { Length: > 0 } ? known.Where(q => q.Feature.Equals(feature.Trim(), StringComparison.OrdinalIgnoreCase)).ToList() : known;
            if (chosen.Count == 0)
                return Results.BadRequest(new ApiError($"Unknown feature '{feature}'. Known: {string.Join(", ", known.Select(q => q.Feature))}.", "feature"));
            if (!QueueStatuses.TryParse(state, out var status, out var stateError))
                return Results.BadRequest(new ApiError(stateError, "state"));
            var max = Math.Clamp(limit ?? 100, 1, 1000);
            var rows = new List<QueuedRequestSummary>();
            foreach (var queue in chosen) rows.AddRange(await queue.ListAsync(status, max, ct));
            return Results.Ok(rows.OrderByDescending(r => r.EnqueuedAt).Take(max)
                .Select(r => new RequestListItem(r.Feature, r.RequestId, r.State.ToString(), r.Summary, r.EnqueuedAt, r.ErrorCode)).ToList());
        });

        app.MapGet("/api/v1/requests/{id}", async (string id, IEnumerable<IStandaloneRequestList> queues, IEnumerable<FeatureRequestRegion> regions,
            ActorSystem system, ConnectorOptions options, CancellationToken ct) =>
        {
            var (found, unanswered) = await FindRequestAsync(id, queues, regions, system, ct);
            return found.Count > 0 ? Results.Ok(found) : RequestViews.NotFound("request", id, options.Service.IsRemote, unanswered);
        });

        app.MapGet("/api/v1/status", async (ActorSystem system, ConnectorOptions options, IServiceProvider services, CancellationToken ct) =>
            Results.Ok(await StatusAsync(system, options, services, ct)));

        return app;
    }

    /// <summary>
    /// A request of any feature by ID (<c>GET /api/v1/requests/{id}</c>, the status page's request page). Whichever instance is asked:
    /// the queues are the shared database's, the details come through the shard proxies. An ID no queue holds (in remote mode: every
    /// ID, the service feeds the actors) is asked of the request actors themselves; in standalone mode too. Empty: nobody knows it;
    /// <c>Unanswered</c> names the features whose actors did not answer in time.
    /// </summary>
    public static async Task<(IReadOnlyList<RequestFound> Found, IReadOnlyList<string> Unanswered)> FindRequestAsync(string id,
        IEnumerable<IStandaloneRequestList> queues, IEnumerable<FeatureRequestRegion> regions, ActorSystem system, CancellationToken ct)
    {
        var found = new List<RequestFound>();
        foreach (var queue in queues)
        {
            if (await queue.FindAsync(id, ct) is { } r)
                found.Add(new RequestFound(r.Feature, r.RequestId, r.State.ToString(), r.Summary, r.EnqueuedAt, r.ErrorCode, queue.DetailsPath(id)));
        }
        if (found.Count > 0) return (found, []);
        var (known, unanswered) = await RequestViews.AskAllAsync(system, regions, id, ct);
        return ([.. known.Select(k => new RequestFound(k.View.Feature, id, k.View.State, k.View.SerialNumber is { } serial ? $"serial {serial}" : "",
            null, k.View.ErrorCode, k.Region.DetailsPath?.Invoke(id), "actor", RequestViewBody.Of(k.View)))], unanswered);
    }

    /// <summary><c>GET /api/v1/status</c>, and what the status page shows of this instance: every CA is probed (at once) first.</summary>
    public static async Task<ConnectorStatus> StatusAsync(ActorSystem system, ConnectorOptions options, IServiceProvider services, CancellationToken ct)
    {
        var service = await ServiceStatusView.OfAsync(options, system, ct);
        var cas = await CaStatusView.ProbeAllAsync(services.GetRequiredService<CertificateAuthorities>(), services.GetRequiredService<CaCalls>(), ct);
        var cluster = Cluster.Get(system);
        var lifecycle = services.GetRequiredService<CertConnector.Actors.Updates.CurrentLifecycle>().Value;
        return new ConnectorStatus(options.Instance, Version, cluster.SelfAddress.ToString(), InstanceRole.FeatureRoles(cluster.SelfRoles),
            [.. cluster.State.Members.Select(m => new ClusterMemberStatus(m.Address.ToString(), m.Status.ToString(), InstanceRole.FeatureRoles(m.Roles), m.AppVersion.ToString()))],
            [.. cluster.State.Unreachable.Select(m => m.Address.ToString())], [.. ClusterEndpoints.VersionWarnings(cluster.State.Members),
                .. ConnectorKey.ConnectorKeyEndpoints.Warning(services.GetRequiredService<ConnectorKeyHolder>(), cluster.SelfRoles, options.Features) is { } keyWarning ? [keyWarning] : Array.Empty<string>(),
                .. CaStatusView.Warnings(cas), .. UpdateEndpoints.Warnings(lifecycle, options.Updates)],
            services.GetService<CertConnector.Adapters.Crypto.KeyPool>()?.Fill(), service, cas, ReleaseDate, lifecycle); // pre-generated keys on this instance, if a feature keeps a pool
    }
}
