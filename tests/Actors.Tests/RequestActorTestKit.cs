using Akka.Configuration;
using Akka.TestKit;
using CertConnector.Adapters.Logging;

namespace CertConnector.Actors.Tests;

/// <summary>
/// TestKit for request actors: a test scheduler (retries fire when the test moves the clock, never by
/// sleeping), the in-memory journal (it outlives an actor, so kill-and-recreate exercises recovery), and
/// a recording event log.
/// </summary>
public abstract class RequestActorTestKit() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
    akka.loglevel = WARNING
    """))
{
    protected RecordingEventLog EventLog { get; } = new();
    protected TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    /// <summary>
    /// Advances the clock a minute at a time until the condition holds. The real-time limit is generous: the full suite runs
    /// the test projects side by side on two cores with dozens of connector processes; starved runs took over 10 s, once over 30 s.
    /// </summary>
    protected void AdvanceUntil(Func<bool> condition) => AwaitCondition(() =>
    {
        if (condition()) return true;
        Scheduler.Advance(TimeSpan.FromMinutes(1));
        return condition();
    }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(20));
}
