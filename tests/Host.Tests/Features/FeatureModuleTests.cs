using System.Reflection;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.ConnectorKey;
using CertConnector.Host.Features;
using CertConnector.Host.Tests.Features.Skeleton;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Features;

/// <summary>
/// What the program learns from <see cref="ConnectorFeature"/> entries rather than from lists of its own: checked here without a
/// running connector (the skeleton feature's entry, with one change at a time, stands for a new feature).
/// </summary>
public sealed class FeatureModuleTests
{
    private static readonly ConnectorFeature Skeleton = new SkeletonFeature().Definition;

    [Fact]
    public void Every_manifest_table_of_the_actors_is_carried_by_a_feature_or_shared()
    {
        var carried = ConnectorFeatures.All.Select(f => f.Manifests).Concat(ConnectorJsonSerializer.SharedTables).ToList();
        var tables = typeof(CommonManifests).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Manifests", StringComparison.Ordinal))
            .Select(t => (t.Name, Table: (IReadOnlyDictionary<string, Type>)t.GetProperty("Table", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!))
            .ToList();

        Assert.NotEmpty(tables);
        Assert.All(tables, t => Assert.True(carried.Contains(t.Table), $"{t.Name}.Table is in no ConnectorFeatures.All entry"));
    }

    [Fact]
    public void Names_and_roles_are_one_per_feature()
    {
        Assert.Equal(ConnectorFeatures.All.Count, ConnectorFeatures.All.Select(f => f.Name).Distinct().Count());
        Assert.Equal(ConnectorFeatures.All.Count, ConnectorFeatures.All.Select(f => f.Role).Distinct().Count());
    }

    [Theory]
    [InlineData(true, StatusCodes.Status409Conflict)]
    [InlineData(false, StatusCodes.Status200OK)]
    public async Task In_remote_mode_a_features_queueing_route_is_refused_because_the_feature_says_it_queues(bool composedWithSkeleton, int expected)
    {
        var options = new ConnectorOptions { Service = new ServiceSettings { Mode = ServiceSettings.Remote } }
            .WithFeatures(composedWithSkeleton ? [.. ConnectorFeatures.All, Skeleton] : ConnectorFeatures.All);
        var guard = new RemoteModeQueueGuard(_ => Task.CompletedTask, options);
        var context = new DefaultHttpContext { Request = { Method = "POST", Path = "/api/v1/skeleton/requests" } };
        context.Response.Body = new MemoryStream();

        await guard.InvokeAsync(context);

        Assert.Equal(expected, context.Response.StatusCode);
    }

    [Fact]
    public void The_service_endpoints_checked_at_start_up_are_those_the_enabled_features_name()
    {
        var needing = Skeleton with { RemoteServiceNames = ["SkeletonService"] };
        var options = new ConnectorOptions().WithFeatures([.. ConnectorFeatures.All, needing]);
        Assert.Contains("SkeletonService", RemoteServiceComposition.NeededServices(options));
        Assert.Equal(ServiceNames.Pki, RemoteServiceComposition.NeededServices(options)[0]); // health messages: always needed

        var disabled = new ConnectorOptions().WithFeatures([.. ConnectorFeatures.All, needing]);
        disabled.Feature<SkeletonOptions>().Enabled = false;
        Assert.DoesNotContain("SkeletonService", RemoteServiceComposition.NeededServices(disabled));
    }

    [Fact]
    public void A_feature_that_needs_the_connector_key_makes_its_role_warn_without_one()
    {
        var noKey = new ConnectorKeyHolder(null, "No key here.");
        Assert.Null(ConnectorKeyEndpoints.Warning(noKey, [SkeletonFeature.Role], [Skeleton]));

        var warning = ConnectorKeyEndpoints.Warning(noKey, [SkeletonFeature.Role], [Skeleton with { NeedsConnectorKey = true }]);
        Assert.NotNull(warning);
        Assert.Contains(SkeletonFeature.Role, warning);
    }
    private static ConnectorOptions Bind(IReadOnlyList<ConnectorFeature> features, params string[] args) =>
        ServerArguments.Bind(new ConfigurationBuilder()
            .AddInMemoryCollection(ServerArguments.Parse(args, features)).Build(), features);

    [Fact]
    public void A_features_settings_section_is_bound_checked_and_suggested_like_the_connectors_own()
    {
        IReadOnlyList<ConnectorFeature> features = [.. ConnectorFeatures.All, Skeleton];
        var bound = Bind(features, "--Connector:Skeleton:Greeting=hi", "--skeleton-url", "http://127.0.0.1:9");
        Assert.Equal(("hi", "http://127.0.0.1:9"), (bound.Feature<SkeletonOptions>().Greeting, bound.Feature<SkeletonOptions>().DeviceUrl));
        Assert.Contains(SkeletonFeature.Role, bound.Roles);
        Assert.DoesNotContain(SkeletonFeature.Role, Bind(features, "--Connector:Skeleton:Enabled=false").Roles);

        var typo = Assert.Throws<StartupException>(() => Bind(features, "--Connector:Skeleton:Greting=hi"));
        Assert.Contains("Connector:Skeleton:Greeting", typo.Message);
        var badSwitch = Assert.Throws<StartupException>(() => Bind(features, "--skeleton-ur", "http://127.0.0.1:9"));
        Assert.Contains("--skeleton-url", badSwitch.Message);
        // Without the feature its section is unknown: the central options class has no property for it.
        Assert.Throws<StartupException>(() => Bind(ConnectorFeatures.All, "--Connector:Skeleton:Greeting=hi"));
    }

    [Fact]
    public void Features_on_the_device_facing_listener_must_agree_on_its_address()
    {
        IReadOnlyList<ConnectorFeature> features = [.. ConnectorFeatures.All, Skeleton];
        var apart = Bind(features, "--scep-url", "http://127.0.0.1:0", "--skeleton-url", "http://127.0.0.1:9");
        var refused = Assert.Throws<StartupException>(() => StartupChecks.CheckSettings(apart));
        Assert.Contains("--scep-url", refused.Message);
        Assert.Contains("--skeleton-url", refused.Message);

        var together = StartupChecks.CheckSettings(Bind(features, "--scep-url", "http://127.0.0.1:0", "--skeleton-url", "http://127.0.0.1:0"));
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), together.Device);
        // No enabled feature serves devices: no device-facing listener at all.
        var none = StartupChecks.CheckSettings(Bind(features, "--Connector:Scep:Enabled=false", "--Connector:Skeleton:Enabled=false"));
        Assert.Null(none.Device);
    }
}
