using System.Text.Json;
using Akka.Actor;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Cli;
using CertConnector.Host.Features;
using CertConnector.Host.Tests.Features.Skeleton;
using Microsoft.Extensions.DependencyInjection;

namespace CertConnector.Host.Tests.Features;

/// <summary>
/// The proof that a feature is a module: <see cref="SkeletonFeature"/>, defined only in this project, is added to the connector as one
/// more entry in its feature list, and with no change under src/ it gets its queue and admin route, its CLI command, its manifests in
/// the serializer, its cluster role, its view in <c>requests show</c>, and its leases released when an instance departs.
/// </summary>
public sealed class SkeletonFeatureTests(SkeletonConnector running) : IClassFixture<SkeletonConnector>
{
    private readonly SkeletonFeature _skeleton = running.Skeleton;
    private readonly InProcessConnector _connector = running.Connector;

    private IServiceProvider Services => _skeleton.Services ?? throw new InvalidOperationException("The skeleton's routes were never mapped.");

    private async Task<JsonElement> Send(HttpMethod method, string path, object? body = null)
    {
        using var client = _connector.Client();
        return await client.SendAsync(method, path, body, CancellationToken.None);
    }

    [Fact]
    public async Task Its_admin_route_queues_into_its_queue_and_requests_list_shows_it()
    {
        await Send(HttpMethod.Post, "/api/v1/skeleton/requests", new SkeletonRequest("http-1", "from the route"));

        var listed = await Send(HttpMethod.Get, "/api/v1/requests?feature=skeleton");
        var row = Assert.Single(listed.EnumerateArray(), r => r.GetProperty("requestId").GetString() == "http-1");
        Assert.Equal("skeleton", row.GetProperty("feature").GetString());
        Assert.Equal("note from the route", row.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task Its_settings_section_is_bound_and_its_device_route_answers_on_the_device_listener_only()
    {
        // The host wrote the feature's URL file once the device-facing listener was bound, as it does scep.url for SCEP.
        var deviceUrl = File.ReadAllText(Path.Combine(_connector.DataDir, "skeleton.url")).Trim();
        Assert.EndsWith(SkeletonFeature.DevicePath, deviceUrl);
        Assert.Equal(new Uri(deviceUrl).Port, new Uri(File.ReadAllText(Path.Combine(_connector.DataDir, "scep.url"))).Port);

        using var http = new HttpClient();
        Assert.Equal(SkeletonConnector.Greeting, await http.GetStringAsync(deviceUrl));
        using var onAdmin = await http.GetAsync(_connector.AdminUrl + SkeletonFeature.DevicePath);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, onAdmin.StatusCode);
    }

    [Fact]
    public async Task Its_CLI_command_queues_through_the_admin_API()
    {
        Assert.Equal(0, await _connector.CliAsync(["skeleton", "queue", "cli-1", "from the CLI"]));

        var queued = await Send(HttpMethod.Get, "/api/v1/skeleton/requests/cli-1");
        Assert.Equal("from the CLI", queued.GetProperty("note").GetString());
        // The command comes from the feature list: a CLI built from the built-in features alone does not know it.
        Assert.Contains(SkeletonFeature.Name, CliApp.CommandsOf(_connector.Features));
        Assert.DoesNotContain(SkeletonFeature.Name, CliApp.Commands);
    }

    [Fact]
    public async Task Its_manifests_are_in_the_hosts_serializer()
    {
        var system = Services.GetRequiredService<ActorSystem>();
        var recorded = new SkeletonRecorded("ser-1", "note");

        var serializer = Assert.IsType<ConnectorJsonSerializer>(system.Serialization.FindSerializerFor(recorded));
        Assert.Equal("skeleton.recorded.v1", serializer.Manifest(recorded));
        Assert.Equal(recorded, serializer.FromBinary(serializer.ToBinary(recorded), serializer.Manifest(recorded)));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Its_cluster_role_is_announced()
    {
        var status = await Send(HttpMethod.Get, "/api/v1/status");

        Assert.Contains(SkeletonFeature.Role, status.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains(SkeletonFeature.Role, Akka.Cluster.Cluster.Get(Services.GetRequiredService<ActorSystem>()).SelfRoles);
    }

    [Fact]
    public async Task Requests_show_finds_its_queued_requests_and_asks_its_request_actors()
    {
        await Send(HttpMethod.Post, "/api/v1/skeleton/requests", new SkeletonRequest("show-q", "queued"));
        await Send(HttpMethod.Post, "/api/v1/skeleton/records", new RecordSkeleton("show-a", "journaled"));

        var queued = Assert.Single((await Send(HttpMethod.Get, "/api/v1/requests/show-q")).EnumerateArray());
        Assert.Equal("skeleton", queued.GetProperty("feature").GetString());
        Assert.Equal("/api/v1/skeleton/requests/show-q", queued.GetProperty("details").GetString());

        // Not in any queue, only in the skeleton actor's journal: found by asking the feature's request actors.
        var journaled = Assert.Single((await Send(HttpMethod.Get, "/api/v1/requests/show-a")).EnumerateArray());
        Assert.Equal("skeleton", journaled.GetProperty("feature").GetString());
        Assert.Equal("actor", journaled.GetProperty("source").GetString());
        Assert.Equal("Recorded", journaled.GetProperty("view").GetProperty("state").GetString());

        Assert.Equal(0, await _connector.CliAsync(["requests", "show", "show-q"]));
        Assert.Equal(0, await _connector.CliAsync(["requests", "show", "show-a"]));
        Assert.NotEqual(0, await _connector.CliAsync(["requests", "show", "nobody-knows-this-id"]));
    }

    [Fact]
    public async Task Its_leases_are_released_when_an_instance_departs()
    {
        await Send(HttpMethod.Post, "/api/v1/skeleton/requests", new SkeletonRequest("lease-1", "leased elsewhere"));
        // Another instance (sharing the database, as cluster members do) downloads it and departs without finishing.
        var departed = new SkeletonQueue(Services.GetRequiredService<StandaloneDatabase>(), TimeSpan.FromHours(1), "departed-instance");
        Assert.Contains(await departed.LeaseAsync(1000), r => r.RequestId == "lease-1");
        Assert.Equal("Leased", (await Send(HttpMethod.Get, "/api/v1/skeleton/requests/lease-1")).GetProperty("status").GetString());

        var released = await Services.GetRequiredService<IQueueLeaseRelease>().ReleaseLeasesOfAsync("departed-instance", CancellationToken.None);

        Assert.True(released >= 1, $"released {released}");
        Assert.Equal("Queued", (await Send(HttpMethod.Get, "/api/v1/skeleton/requests/lease-1")).GetProperty("status").GetString());
    }
}

/// <summary>One connector with the skeleton feature, shared by the class (start-up costs seconds).</summary>
public sealed class SkeletonConnector : IAsyncLifetime
{
    public SkeletonFeature Skeleton { get; } = new();
    public InProcessConnector Connector { get; private set; } = null!;

    public const string Greeting = "bound from the command line";

    // Its own switch places it on the device-facing listener beside SCEP's (the in-process connector asks for port 0 there).
    public async Task InitializeAsync() => Connector = await InProcessConnector.StartAsync([.. ConnectorFeatures.All, Skeleton.Definition],
        ["--skeleton-url", "http://127.0.0.1:0", $"--Connector:Skeleton:Greeting={Greeting}"]);

    public async Task DisposeAsync() => await Connector.DisposeAsync();
}
