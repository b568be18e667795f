using System.CommandLine;
using Akka.Actor;
using Akka.Hosting;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Cli;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CertConnector.Host.Tests.Features.Skeleton;

/// <summary>
/// A feature defined entirely in the test project: one <see cref="ConnectorFeature"/> entry with its own state, actor, standalone
/// queue, admin routes and CLI command. The program composed with it (<c>[.. ConnectorFeatures.All, skeleton.Definition]</c>) must
/// give it everything a built-in feature gets, with nothing under src/ naming it.
/// </summary>
public sealed class SkeletonFeature
{
    public const string Name = "skeleton";
    public const string Role = "skeleton";
    /// <summary>Its route on the device-facing listener.</summary>
    public const string DevicePath = "/skeleton/hello";

    public SkeletonFeature() => Definition = new()
    {
        Name = Name,
        Role = Role,
        ShardTypeName = "skeleton-request",
        Settings = FeatureSettings.For<SkeletonOptions>("Skeleton"),
        DeviceListener = new("Connector:Skeleton:DeviceUrl", "--skeleton-url", "http://0.0.0.0:8080", options => options.Feature<SkeletonOptions>().DeviceUrl,
            DevicePath, "skeleton.url"),
        Manifests = SkeletonManifests.Table,
        AddServices = (services, options) =>
        {
            services.AddSingleton(sp => AdapterComposition.Initialized(new SkeletonQueue(sp.GetRequiredService<StandaloneDatabase>(),
                options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id), q => q.InitializeAsync()));
            services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<SkeletonQueue>());
        },
        AddActors = (akka, _) => akka.WithActors((system, registry) =>
            registry.Register<SkeletonRegionKey>(system.ActorOf(Props.Create(() => new SkeletonRegion()), "skeleton"))),
        MapEndpoints = app =>
        {
            Services = app.ServiceProvider; // the test reaches the host's lease releaser and actor system through it
            MapEndpoints(app);
        },
        QueueingRoutes = [ConnectorFeature.RequestsRoute(Name)],
        Command = BuildCommand,
        // No details route for what only the actors know: requests show prints the actor's view itself.
        RequestView = new(sp => sp.GetRequiredService<IRequiredActor<SkeletonRegionKey>>().ActorRef, SkeletonRequestActor.PersistenceIdOf),
    };

    public ConnectorFeature Definition { get; }

    /// <summary>The running host's services, once it has mapped the feature's routes.</summary>
    public IServiceProvider? Services { get; private set; }

    private static void MapEndpoints(IEndpointRouteBuilder app)
    {
        app.MapPost($"/api/v1/{Name}/requests", async (SkeletonRequest request, SkeletonQueue queue, CancellationToken ct) =>
            await queue.EnqueueAsync(request, ct)
                ? Results.Accepted($"/api/v1/{Name}/requests/{request.RequestId}", request)
                : Results.Conflict(new ApiError($"Skeleton request '{request.RequestId}' is already queued.", "requestId")));
        app.MapGet($"/api/v1/{Name}/requests/{{id}}", async (string id, SkeletonQueue queue, CancellationToken ct) =>
            await queue.GetAsync(id, ct) is { } r
                ? Results.Ok(new { r.Request.RequestId, r.Request.Note, Status = r.Status.ToString(), r.DeliveryCount })
                : Results.NotFound(new ApiError($"No skeleton request '{id}'.", "id")));
        // A device-facing route: it answers only on the device listener, with the greeting from the feature's own settings section.
        app.MapGet(DevicePath, (ConnectorOptions options) => Results.Text(options.Feature<SkeletonOptions>().Greeting)).RequireListener(Listeners.Device);
        app.MapPost($"/api/v1/{Name}/records", async (RecordSkeleton record, IRequiredActor<SkeletonRegionKey> region, CancellationToken ct) =>
            Results.Ok(await region.ActorRef.Ask<SkeletonRecorded>(record, TimeSpan.FromSeconds(30), ct)));
    }

    private static Command BuildCommand()
    {
        var id = new Argument<string>("id") { Description = "Request ID" };
        var note = new Argument<string>("note") { Description = "The note" };
        var queue = new Command("queue", "Queue a skeleton request") { id, note };
        queue.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Post, $"/api/v1/{Name}/requests", new SkeletonRequest(parse.GetValue(id)!, parse.GetValue(note)!), ct));
            return 0;
        }));
        return new Command(Name, "The skeleton feature of the tests") { queue };
    }
}
