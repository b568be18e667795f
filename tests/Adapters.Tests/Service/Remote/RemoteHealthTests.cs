using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using CertConnector.Actors.Health;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Tests.Emulator;

namespace CertConnector.Adapters.Tests.Service.Remote;

/// <summary>The health reporter with the real client against the emulator, the clock moved by the test scheduler.</summary>
public sealed class RemoteHealthTests() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
    akka.loglevel = WARNING
    """))
{
    private static readonly HealthOptions Options = new() { Interval = TimeSpan.FromMinutes(5), MaxAttempts = 2, RetryDelay = TimeSpan.FromSeconds(30) };
    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private sealed class FixedCa : ICaHealthProbe
    {
        public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new CaHealth(true, DateTimeOffset.UtcNow.AddDays(100.5), DateTimeOffset.UtcNow.AddDays(10.5)));
    }

    private static readonly DateTimeOffset NewerReleased = new(2026, 11, 7, 0, 0, 0, TimeSpan.Zero);

    /// <summary>0.1.0, superseded a month before by 0.2.0: what the health message reports of the release feed.</summary>
    private static readonly CertConnector.Actors.Updates.CurrentLifecycle Lifecycle = new(CertConnector.Actors.Updates.ReleaseLifecycle.Of("0.1.0",
        [new("0.2.0", NewerReleased, "", "https://example.com/p.deb", new string('0', 64))], NewerReleased.AddMonths(1)));

    private (RecordingEventLog Log, HealthCounters Counters) Start(ServiceChannel channel, RecordingEventLog log)
    {
        var counters = new HealthCounters(log);
        var reporter = Sys.ActorOf(HealthReporter.Props(new HealthPorts(new RemoteHealthService(channel), new FixedCa(), counters, counters,
            new HealthIdentity("node-7", "0.1.0", ["pkcs"]), Options, Lifecycle)));
        reporter.Tell(new Identify(1));
        ExpectMsg<ActorIdentity>();
        return (log, counters);
    }

    [Fact]
    public async Task The_service_receives_the_message_with_instance_version_features_counts_and_ca_days()
    {
        var log = new RecordingEventLog();
        await using var emulator = await ServiceEmulator.StartAsync();
        using var channel = new ServiceChannel(RemoteClient.Options(emulator), log, TimeProvider.System);
        var (_, counters) = Start(channel, log);
        counters.Write(ConnectorEvents.PkcsRequestSuccess, "r-1", "ok");
        counters.Write(ConnectorEvents.PkcsRequestFailure, "r-2", "failed");

        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => emulator.HealthMessages.Count == 1, TimeSpan.FromSeconds(20));

        var m = emulator.HealthMessages[0];
        Assert.Equal("node-7", (string)m["instance"]!);
        Assert.Equal("0.1.0", (string)m["version"]!);
        Assert.Equal("pkcs", (string)m["features"]![0]!);
        Assert.Equal(1, (int)m["counts"]![0]!["succeeded"]!);
        Assert.Equal(1, (int)m["counts"]![0]!["failed"]!);
        Assert.True((bool)m["caReachable"]!);
        Assert.Equal(100, (int)m["caCertificateDaysLeft"]!);
        Assert.Equal(10, (int)m["raCertificateDaysLeft"]!);
        Assert.Equal("Superseded", (string)m["lifecycle"]!["state"]!);
        Assert.Equal(NewerReleased.AddMonths(6), (DateTimeOffset)m["lifecycle"]!["supportedUntil"]!);
        Assert.Equal("0.2.0", (string)m["lifecycle"]!["supersededBy"]!);
        AwaitCondition(() => log.Count(ConnectorEvents.HealthMessageUploadSuccess) == 1);
    }

    [Fact]
    public async Task The_emulator_failing_gives_5001_then_5002()
    {
        var log = new RecordingEventLog();
        await using var emulator = await ServiceEmulator.StartAsync();
        emulator.AddFault(new Fault { PathContains = "uploadHealthMessages", Status = 503, Times = 1000 });
        using var channel = new ServiceChannel(RemoteClient.Options(emulator) with { MaxAttempts = 2 }, log, TimeProvider.System);
        Start(channel, log);

        Scheduler.Advance(Options.Interval);
        AwaitCondition(() => log.Events.Any(e => e.Definition == ConnectorEvents.HealthMessageUploadFailedAttempt && e.Message.Contains("attempt 1 of 2")), TimeSpan.FromSeconds(20));
        Assert.Equal(0, log.Count(ConnectorEvents.HealthMessageUploadFailure));
        Scheduler.Advance(Options.RetryDelay);
        AwaitCondition(() => log.Count(ConnectorEvents.HealthMessageUploadFailure) == 1, TimeSpan.FromSeconds(20));

        Assert.Equal(4, emulator.CallsTo("uploadHealthMessages").Count); // two attempts of the reporter, each two HTTP attempts
        Assert.Empty(emulator.HealthMessages);
        var health = log.Events.Where(e => e.Definition.Category == TaskCategory.Health).Select(e => e.Definition.Id).ToList();
        Assert.Equal(5002, health[^1]);
        Assert.All(health[..^1], id => Assert.Equal(5001, id));
    }
}
