using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Ca.Named;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;
using CertConnector.Host.Metrics;
using CertConnector.Host.Probes;
using CertConnector.Host.Tests.Ca;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Probes;

/// <summary>
/// <see cref="Readiness"/> without a host: not ready before the node's cluster member is Up; a CA that never answers fails its check at the
/// time-out instead of holding the probe; many probes at once cost one round of checks.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly string _dir = Tools.TempDir("readiness");
    private ActorSystem _system = null!;
    private StandaloneDatabase _database = null!;
    private readonly CountingProbe _hanging = new(hang: true);
    private readonly CountingProbe _answering = new(hang: false);
    private readonly ListLog _log = new();
    private readonly ManualClock _clock = new(); // the cache's clock: moved by the test, so a slow machine cannot expire it

    public Task InitializeAsync()
    {
        // A node that never joins a cluster: its member is not Up, as a connector's is before it has joined.
        _system = ActorSystem.Create("readiness", ConfigurationFactory.ParseString(
            "akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.hostname = 127.0.0.1\nakka.remote.dot-netty.tcp.port = 0"));
        _database = new StandaloneDatabase(Path.Combine(_dir, "standalone.db"), TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        _database.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private Readiness Create(params (string Name, ICaHealthProbe Probe)[] cas) => Create([], cas);

    private Readiness Create(IReadOnlyList<ConnectorFeature> features, params (string Name, ICaHealthProbe Probe)[] cas)
    {
        var authority = new TestCa(new TestCaSettings());
        var all = new CertificateAuthorities([.. cas.Select(c => new NamedCa(c.Name, "test", authority, null, c.Probe))], cas[0].Name);
        var options = new ConnectorOptions().WithFeatures(features);
        return new Readiness(_system, options, new ServiceCollectionContainer(), all, new CaCalls(TimeProvider.System), _database, _log, _clock);
    }

    [Fact]
    public async Task Not_ready_before_the_cluster_member_is_up_and_a_CA_that_never_answers_fails_at_the_time_out()
    {
        var report = await Create(("answering", _answering), ("hanging", _hanging)).CheckAsync();

        Assert.False(report.Ready);
        Assert.Equal([("cluster", false), ("database", true), ("ca:answering", true), ("ca:hanging", false)], report.Checks.Select(c => (c.Name, c.Ok)));
        Assert.StartsWith("cluster member is ", report.Checks[0].Failure);
        Assert.DoesNotContain("Up", report.Checks[0].Failure);
        Assert.Equal("CA did not answer its probe", report.Checks[3].Failure);
        var notReady = Assert.Single(_log.Events);
        Assert.Equal(ConnectorInternalEvents.NotReady, notReady.Definition);
        Assert.Contains("ca:hanging: no answer within 2 s", notReady.Message);
    }

    [Fact]
    public async Task A_feature_whose_coordinator_is_backing_off_after_a_crash_is_not_ready()
    {
        var region = _system.ActorOf(Props.Create(() => new CurrentChildAnswer(ActorRefs.Nobody)), "region"); // answers Identify, as any actor does
        var running = _system.ActorOf(Props.Create(() => new CurrentChildAnswer(region)), "running-supervisor");
        var backingOff = _system.ActorOf(Props.Create(() => new CurrentChildAnswer(ActorRefs.Nobody)), "backing-off-supervisor");

        var report = await Create([Feature<RunningSettings>("running", running, region), Feature<StalledSettings>("stalled", backingOff, region)], ("answering", _answering)).CheckAsync();

        Assert.Equal([("feature:running", true, null), ("feature:stalled", false, "coordinator not running (restarting after a failure)")],
            report.Checks.Where(c => c.Name.StartsWith("feature:")).Select(c => (c.Name, c.Ok, c.Failure)));
    }

    private static ConnectorFeature Feature<TSettings>(string name, IActorRef coordinator, IActorRef region) where TSettings : class, new() => new()
    {
        Name = name,
        Role = name,
        ShardTypeName = name,
        Settings = FeatureSettings.For<TSettings>(name), // one settings type per feature, as the program demands
        Manifests = new Dictionary<string, Type>(),
        AddServices = (_, _) => { },
        AddActors = (akka, _) => akka,
        MapEndpoints = _ => { },
        Command = () => new System.CommandLine.Command(name),
        RequestView = new(_ => region, id => id),
        Coordinator = _ => coordinator,
    };

    private sealed class RunningSettings;
    private sealed class StalledSettings;

    /// <summary>A backoff supervisor as readiness asks it: its current child, <see cref="ActorRefs.Nobody"/> while it backs off.</summary>
    private sealed class CurrentChildAnswer : ReceiveActor
    {
        public CurrentChildAnswer(IActorRef child) => Receive<Akka.Pattern.BackoffSupervisor.GetCurrentChild>(_ => Sender.Tell(new Akka.Pattern.BackoffSupervisor.CurrentChild(child)));
    }

    [Fact]
    public async Task Fifty_probes_at_once_and_again_within_the_cache_time_run_the_checks_once()
    {
        var readiness = Create(("answering", _answering));
        var reports = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(readiness.CheckAsync)));
        _clock.Advance(Readiness.CacheFor - TimeSpan.FromMilliseconds(1));
        var again = await readiness.CheckAsync(); // within CacheFor of the first: nothing runs again

        Assert.Equal(1, _answering.Calls);
        Assert.All(reports, r => Assert.Same(reports[0], r));
        Assert.Same(reports[0], again);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotSame(reports[0], await readiness.CheckAsync()); // the cache ends: the next probe checks again
        Assert.Equal(2, _answering.Calls);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }

    [Theory]
    [InlineData("--Connector:Metrics:AlowAnonymousScrape=true", "Unknown setting 'Connector:Metrics:AlowAnonymousScrape'", "Connector:Metrics:AllowAnonymousScrape")]
    [InlineData("--Connector:Metrics:OtlpEndpoint=collector:4317", "Connector:Metrics:OtlpEndpoint must be an http(s) URL", "http://collector:4317")]
    [InlineData("--Connector:Metrics:OtlpEndpoint=http://user:secret@collector:4317", "without credentials", "")]
    [InlineData("--Connector:Metrics:OtlpProtocol=udp", "Connector:Metrics:OtlpProtocol 'udp' is not supported", "http/protobuf")]
    public void Metrics_settings_are_checked_with_the_fix_named(string arg, string error, string suggestion)
    {
        var e = Assert.Throws<StartupException>(() =>
        {
            var options = ServerArguments.Bind(new ConfigurationBuilder().AddInMemoryCollection(ServerArguments.Parse([arg])).Build());
            options.Metrics.CheckedOtlpEndpoint();
        });
        Assert.Contains(error, e.Message);
        Assert.Contains(suggestion, e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Fact]
    public void Metrics_settings_bind_from_configuration_over_the_defaults()
    {
        var defaults = new MetricsSettings();
        Assert.Equal((true, false, null, "grpc"), (defaults.Prometheus, defaults.AllowAnonymousScrape, defaults.CheckedOtlpEndpoint(), defaults.OtlpProtocol));
        var options = ServerArguments.Bind(new ConfigurationBuilder().AddInMemoryCollection(ServerArguments.Parse(
            ["--Connector:Metrics:AllowAnonymousScrape=true", "--Connector:Metrics:OtlpEndpoint=http://127.0.0.1:4318/v1/metrics",
             "--Connector:Metrics:OtlpProtocol=http/protobuf", "--Connector:Metrics:SampleInterval=00:00:05"])).Build());
        Assert.Equal((true, new Uri("http://127.0.0.1:4318/v1/metrics"), TimeSpan.FromSeconds(5)),
            (options.Metrics.AllowAnonymousScrape, options.Metrics.CheckedOtlpEndpoint(), options.Metrics.SampleInterval));
    }

    private sealed class CountingProbe(bool hang) : ICaHealthProbe
    {
        private int _calls;
        public int Calls => _calls;

        public async Task<CaHealth> ProbeAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (hang) await Task.Delay(Timeout.Infinite, CancellationToken.None); // ignores the token, as a stuck backend may
            return new CaHealth(true, null, null);
        }
    }

    private sealed class ListLog : IConnectorEventLog
    {
        public ConcurrentQueue<ConnectorEvent> Events { get; } = new();
        public void Write(ConnectorEvent connectorEvent) => Events.Enqueue(connectorEvent);
    }

    private sealed class ServiceCollectionContainer : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
