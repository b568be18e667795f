using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Health;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Metrics;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Common;

/// <summary>The instruments are process-wide: these tests run alone, so no other test's actors add to what they count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics (alone)";
}

/// <summary>
/// What the actors record: one finished request per request (not again when a finished one is replayed), each failed attempt
/// with its stage, each step's duration, the actors alive, the coordinator's requests in flight and the health uploads.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class ActorMetricsTests : RequestActorTestKit
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)> _recorded = new();

    public ActorMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ConnectorMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Record(instrument.Name, 1, tags)); // a histogram: count samples
        _listener.Start();
    }

    private void Record(string instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags) copy[tag.Key] = tag.Value;
        _recorded.Enqueue((instrument, value, copy));
    }

    private long Sum(string instrument, params (string Key, object Value)[] tags) =>
        _recorded.Where(r => r.Instrument == instrument && tags.All(t => r.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value))).Sum(r => r.Value);

    private PkcsPorts Ports(ICertificateAuthority ca, IPkcsService service) =>
        new(new FakeCredentials(), ca, service, EventLog, new PkcsOptions { MaxAttempts = 5 });

    [Fact]
    public void A_request_retried_twice_counts_two_failed_attempts_three_issue_steps_and_one_success_and_not_again_when_replayed()
    {
        var ports = Ports(new ScriptedCa(ScriptedCa.Transient(), ScriptedCa.Transient()), new RecordingService());
        var actor = Sys.ActorOf(PkcsRequestActor.Props("metrics-1", ports));
        actor.Tell(new StartPkcsRequest(Samples.Request("metrics-1")), TestActor);
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1);
        ExpectMsg<PkcsRequestCompleted>();
        AwaitCondition(() => Sum("certconnector.step.duration", ("stage", "Upload")) == 1); // recorded as the step's task ends

        Assert.Equal(1, Sum("certconnector.requests.completed", ("feature", "pkcs"), ("outcome", "succeeded")));
        Assert.Equal(0, Sum("certconnector.requests.completed", ("outcome", "failed")));
        Assert.Equal(2, Sum("certconnector.attempts.failed", ("feature", "pkcs"), ("stage", "Issue"), ("retryable", true)));
        Assert.Equal((2, 1), (Sum("certconnector.step.duration", ("stage", "Issue"), ("outcome", "failed")), Sum("certconnector.step.duration", ("stage", "Issue"), ("outcome", "ok"))));
        Assert.Equal(1, Sum("certconnector.request_actors.active", ("feature", "pkcs")));

        Stop(actor);
        Assert.Equal(0, Sum("certconnector.request_actors.active", ("feature", "pkcs")));
        var replayed = Sys.ActorOf(PkcsRequestActor.Props("metrics-1", ports)); // a finished request, recovered from the journal
        replayed.Tell(new GetRequestView("metrics-1"), TestActor);
        Assert.Equal("Uploaded", ExpectMsg<RequestView>().State);
        Stop(replayed);

        Assert.Equal(1, Sum("certconnector.requests.completed"));
        Assert.Equal(0, Sum("certconnector.request_actors.active"));
    }

    [Fact]
    public void A_final_CA_error_counts_one_failed_request_and_one_attempt_that_is_not_retried()
    {
        var actor = Sys.ActorOf(PkcsRequestActor.Props("metrics-2", Ports(new ScriptedCa(ScriptedCa.Final()), new RecordingService())));
        actor.Tell(new StartPkcsRequest(Samples.Request("metrics-2")), TestActor);
        ExpectMsg<PkcsRequestCompleted>(c => !c.Succeeded);

        Assert.Equal(1, Sum("certconnector.requests.completed", ("feature", "pkcs"), ("outcome", "failed")));
        Assert.Equal(0, Sum("certconnector.requests.completed", ("outcome", "succeeded")));
        Assert.Equal(1, Sum("certconnector.attempts.failed", ("stage", "Issue"), ("retryable", false)));
        Assert.Equal(0, Sum("certconnector.attempts.failed", ("retryable", true)));
    }

    [Fact]
    public void The_coordinator_in_flight_gauge_follows_hand_outs_and_completions_and_leaves_with_a_stopped_coordinator()
    {
        var service = new RecordingService();
        foreach (var id in new[] { "m1", "m2", "m3", "m4" }) service.Queue.Enqueue(Samples.Request(id));
        var region = CreateTestProbe();
        var coordinator = Sys.ActorOf(RequestCoordinator.Props(region, new PullSource("metrics-pull",
            async (max, ct) => [.. (await service.DownloadPkcsRequestsAsync(max, ct)).Select(r => new StartPkcsRequest(r))], start => start,
            ConnectorEvents.PkcsDownloadSuccess, ConnectorEvents.PkcsDownloadFailure, new PkcsOptions { BatchSize = 3, MaxInFlight = 3 }.PullSettings), EventLog));
        var wait = TimeSpan.FromSeconds(60);
        for (var i = 0; i < 3; i++) region.ExpectMsg<StartPkcsRequest>(wait);
        Assert.Equal(3, Sum("certconnector.coordinator.in_flight", ("feature", "metrics-pull")));

        coordinator.Tell(new PkcsRequestCompleted("m1", true));
        region.ExpectMsg<StartPkcsRequest>(wait); // the free slot is filled: m4
        coordinator.Tell(new PkcsRequestCompleted("m2", true));
        AwaitCondition(() => Sum("certconnector.coordinator.in_flight", ("feature", "metrics-pull")) == 2);

        Stop(coordinator);
        Assert.Equal(0, Sum("certconnector.coordinator.in_flight", ("feature", "metrics-pull")));
    }

    [Fact]
    public void Health_uploads_count_a_failed_attempt_as_retrying_and_then_the_success()
    {
        var service = new FlakyHealthService { Fail = true };
        var counters = new HealthCounters(EventLog);
        var options = new HealthOptions { Interval = TimeSpan.FromMinutes(5), MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(30) };
        var reporter = Sys.ActorOf(HealthReporter.Props(new HealthPorts(service, new AnsweringCa(), counters, counters,
            new HealthIdentity("node-1", "1.2.3", ["pkcs"]), options)));
        reporter.Tell(new Identify(1)); // answered after PreStart: the interval timer is set before the clock moves
        ExpectMsg<ActorIdentity>();

        Scheduler.Advance(options.Interval);
        AwaitCondition(() => Sum("certconnector.health.uploads", ("result", "retrying")) == 1);
        service.Fail = false;
        Scheduler.Advance(options.RetryDelay);
        AwaitCondition(() => Sum("certconnector.health.uploads", ("result", "succeeded")) == 1);

        Assert.Equal((1, 1, 0), (Sum("certconnector.health.uploads", ("result", "retrying")), Sum("certconnector.health.uploads", ("result", "succeeded")),
            Sum("certconnector.health.uploads", ("result", "given_up"))));
    }

    private sealed class FlakyHealthService : IHealthService
    {
        public volatile bool Fail;

        public Task UploadHealthMessagesAsync(IReadOnlyList<HealthMessage> messages, CancellationToken cancellationToken) =>
            Fail ? throw new ConnectorFailureException("ServiceUnavailable", "HTTP 503", true) : Task.CompletedTask;
    }

    private sealed class AnsweringCa : ICaHealthProbe
    {
        public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(new CaHealth(true, null, null));
    }

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _listener.Dispose();
        base.Dispose(disposing);
    }
}
