using Akka.Actor;
using CertConnector.Actors.Health;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Health;

/// <summary>The health reporter under the test scheduler: one message per interval with the counts of that interval; failures retried, then given up.</summary>
public sealed class HealthReporterTests : RequestActorTestKit
{
    private static readonly HealthOptions Options = new() { Interval = TimeSpan.FromMinutes(5), MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(30) };

    private sealed class RecordingHealthService : IHealthService
    {
        private readonly List<HealthMessage> _messages = [];
        public volatile bool Fail;
        public int Attempts;

        public IReadOnlyList<HealthMessage> Messages { get { lock (_messages) return [.. _messages]; } }

        public Task UploadHealthMessagesAsync(IReadOnlyList<HealthMessage> messages, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            if (Fail) throw new CertConnector.Actors.Common.ConnectorFailureException("ServiceUnavailable", "HTTP 503", true);
            lock (_messages) _messages.AddRange(messages);
            return Task.CompletedTask;
        }
    }

    private sealed class FixedCa(DateTimeOffset caNotAfter, DateTimeOffset raNotAfter) : ICaHealthProbe
    {
        public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(new CaHealth(true, caNotAfter, raNotAfter));
    }

    private (RecordingHealthService Service, HealthCounters Counters) Start() => Start(out _);

    private (RecordingHealthService Service, HealthCounters Counters) Start(out IActorRef reporterRef)
    {
        var service = new RecordingHealthService();
        var counters = new HealthCounters(EventLog);
        var now = Scheduler.Now;
        var ports = new HealthPorts(service, new FixedCa(now.AddDays(400.5), now.AddDays(30.5)), counters, counters,
            new HealthIdentity("node-1", "1.2.3", ["pkcs", "revocation"]), Options);
        var reporter = Sys.ActorOf(HealthReporter.Props(ports));
        reporter.Tell(new Identify(1)); // answered after PreStart: the interval timer is set before the clock moves
        ExpectMsg<ActorIdentity>();
        reporterRef = reporter;
        return (service, counters);
    }

    private static void Outcome(IConnectorEventLog log, EventDefinition definition, int times)
    {
        for (var i = 0; i < times; i++) log.Write(definition, $"r-{Guid.NewGuid():N}", "outcome");
    }

    [Fact]
    public void Three_intervals_give_three_messages_with_the_counts_of_each_interval()
    {
        var (service, counters) = Start();

        Outcome(counters, ConnectorEvents.PkcsRequestSuccess, 3);
        Outcome(counters, ConnectorEvents.PkcsRequestFailure, 1);
        Outcome(counters, ConnectorEvents.PkcsIssuedSuccess, 5); // Operational: a step, not an outcome
        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => service.Messages.Count == 1);

        Outcome(counters, ConnectorEvents.RevokeRequestSuccess, 2);
        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => service.Messages.Count == 2);

        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => service.Messages.Count == 3);

        var m = service.Messages;
        Assert.Equal([new FeatureCounts("pkcs", 3, 1)], m[0].Counts);
        Assert.Equal([new FeatureCounts("revocation", 2, 0)], m[1].Counts);
        Assert.Empty(m[2].Counts);
        Assert.All(m, x =>
        {
            Assert.Equal("node-1", x.Instance);
            Assert.Equal("1.2.3", x.Version);
            Assert.Equal(["pkcs", "revocation"], x.Features);
            Assert.True(x.CaReachable);
        });
        Assert.Equal(400, m[0].CaCertificateDaysLeft);
        Assert.Equal(30, m[0].RaCertificateDaysLeft);
        Assert.Equal(m[0].GeneratedAt + Options.Interval, m[1].GeneratedAt);
        Assert.Equal(3, EventLog.Count(ConnectorEvents.HealthMessageUploadSuccess));
    }

    [Fact]
    public void A_failing_upload_is_retried_5001_then_given_up_5002_and_its_counts_go_into_the_next_message()
    {
        var (service, counters) = Start();
        service.Fail = true;
        Outcome(counters, ConnectorEvents.ScepRequestSuccess, 4);

        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.HealthMessageUploadFailedAttempt) == 1);
        Scheduler.Advance(Options.RetryDelay);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.HealthMessageUploadFailedAttempt) == 2);
        Scheduler.Advance(Options.RetryDelay * 2);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.HealthMessageUploadFailure) == 1);
        Assert.Equal(3, service.Attempts);
        Assert.Equal([5001, 5001, 5002], EventLog.Ids.Where(id => id >= 5000));

        service.Fail = false;
        Outcome(counters, ConnectorEvents.ScepRequestIssuedFailure, 1);
        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => service.Messages.Count == 1);
        Assert.Equal([new FeatureCounts("scep", 4, 1)], service.Messages[0].Counts);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.HealthMessageUploadSuccess) == 1);
    }

    [Fact]
    public void The_last_outcome_is_none_before_the_first_message_then_the_failure_then_the_success()
    {
        var (service, _) = Start(out var reporter);
        reporter.Tell(GetHealthOutcome.Instance);
        Assert.Null(ExpectMsg<LastHealthOutcome>().Outcome);

        service.Fail = true;
        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.HealthMessageUploadFailedAttempt) == 1);
        reporter.Tell(GetHealthOutcome.Instance);
        var failed = ExpectMsg<LastHealthOutcome>().Outcome!;
        Assert.False(failed.Succeeded);
        Assert.False(failed.GivenUp);
        Assert.Equal(1, failed.Attempt);
        Assert.Equal("ServiceUnavailable", failed.ErrorCode);
        Assert.Equal(Scheduler.Now, failed.At);

        service.Fail = false;
        Scheduler.Advance(Options.RetryDelay);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.HealthMessageUploadSuccess) == 1);
        reporter.Tell(GetHealthOutcome.Instance);
        var ok = ExpectMsg<LastHealthOutcome>().Outcome!;
        Assert.True(ok.Succeeded);
        Assert.Equal(2, ok.Attempt);
        Assert.Null(ok.ErrorCode);
        Assert.True(ok.At > failed.At);
    }
}
