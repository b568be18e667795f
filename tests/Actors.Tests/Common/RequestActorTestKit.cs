using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Logging;

namespace CertConnector.Actors.Tests.Common;

/// <summary>
/// TestKit for request actors: a test scheduler (retries fire when the test moves the clock, never by
/// sleeping), the in-memory journal (it outlives an actor, so kill-and-recreate exercises recovery), and
/// a recording event log.
/// </summary>
public abstract class RequestActorTestKit() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
    # Recovery times out on the system scheduler, which is the test scheduler here: a test that advances the clock while
    # a recreated actor still recovers (slow on a loaded machine) would time its recovery out, and the actor would stop
    # silently. Virtual time must never fail a recovery.
    akka.persistence.journal.inmem.recovery-event-timeout = 3650d
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

    /// <summary>
    /// Moves the clock one retry at a time until <paramref name="done"/> holds, and returns only when
    /// <paramref name="actor"/> has no step in flight: for a test that stops the actor there and counts the
    /// calls its ports saw. <see cref="AdvanceUntil"/> cannot promise that: its next advance may land just after
    /// a failure set the next retry timer, so one more step runs while the test already stops the actor (that
    /// step then calls the CA too, and the recreated actor's script runs one short).
    /// Each advance follows a barrier (the actor answers a view only after its persist handlers, so the retry
    /// timer is set and no step runs) and fires only that one timer; the test then waits for the failure it causes.
    /// </summary>
    /// <param name="attempts">the count of failed attempts so far (the actor's attempt-failed events in the log).</param>
    protected void AdvanceRetriesUntil(IActorRef actor, string requestId, Func<int> attempts, Func<bool> done)
    {
        var limit = TimeSpan.FromSeconds(60); // as AdvanceUntil's: starved CI runs
        AwaitCondition(() => attempts() > 0 || done(), limit); // the first attempt runs without the clock
        while (true)
        {
            actor.Tell(new GetRequestView(requestId), TestActor);
            ExpectMsg<RequestView>(limit);
            if (done()) return;
            var before = attempts();
            Scheduler.Advance(TimeSpan.FromHours(1)); // past any backoff: fires the one pending retry
            AwaitCondition(() => attempts() > before || done(), limit);
        }
    }
}
