using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;

namespace CertConnector.Actors.Common;

/// <summary>
/// What every feature's request actor does the same way: persist, apply, report, then run the next step
/// the state asks for; one step in flight at a time (run off the actor thread, its outcome piped back as
/// a message); retries on a timer at the time the journal recorded, so a restart keeps the schedule.
/// Subclasses hold the state record and say what "next step" means.
/// </summary>
public abstract class RequestActor : ReceivePersistentActor, IWithTimers
{
    private const string RetryTimer = "retry";

    protected RequestActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<IConnectorEvent>(ApplyEvent);
        Command<RetryDue>(_ => RetryNow());
    }

    public override string PersistenceId { get; }
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The scheduler's clock: a test scheduler moves it, so retries are testable without sleeping.</summary>
    protected DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>No step running and no retry waiting.</summary>
    protected bool Idle => !_busy && !Timers.IsTimerActive(RetryTimer);

    private bool _busy;

    /// <summary>Folds a persisted or replayed event into the state.</summary>
    protected abstract void ApplyEvent(IConnectorEvent e);

    /// <summary>Writes the event IDs for an event just persisted (never on replay).</summary>
    protected abstract void Report(IConnectorEvent e);

    /// <summary>Starts whatever the state asks for now (called only when idle).</summary>
    protected abstract void RunNextStep();

    /// <summary>The retry time has come: run the step that failed again.</summary>
    protected abstract void RetryNow();

    /// <summary>After one event is persisted, applied and reported.</summary>
    protected virtual void AfterPersisted(IConnectorEvent e) { }

    protected override void OnReplaySuccess() => Resume();

    /// <summary>A step's outcome arrived: persist what it decided (possibly nothing), then go on.</summary>
    protected void PersistThen(IReadOnlyList<IConnectorEvent> events)
    {
        _busy = false;
        if (events.Count == 0)
        {
            Resume();
            return;
        }
        var last = events[^1];
        PersistAll(events, e =>
        {
            ApplyEvent(e);
            Report(e);
            AfterPersisted(e);
            if (ReferenceEquals(e, last)) Resume();
        });
    }

    /// <summary>A step ended with nothing to persist and nothing to run now; the next message may resume it.</summary>
    protected void StepEnded() => _busy = false;

    protected void Resume()
    {
        if (Idle) RunNextStep();
    }

    protected void RetryAt(DateTimeOffset at)
    {
        var delay = at - Now;
        if (delay <= TimeSpan.Zero) Self.Tell(RetryDue.Instance);
        else Timers.StartSingleTimer(RetryTimer, RetryDue.Instance, delay);
    }

    /// <summary>
    /// Runs a step off the actor thread, cancelled after <paramref name="timeout"/>; its result (or
    /// <paramref name="onFailure"/>, a time-out included) comes back as a message.
    /// </summary>
    protected void RunStep(TimeSpan timeout, Func<CancellationToken, Task<object>> work, Func<Exception, object> onFailure)
    {
        _busy = true;
        Task.Run(async () =>
        {
            using var cancel = new CancellationTokenSource(timeout);
            return await work(cancel.Token).ConfigureAwait(false);
        }).PipeTo(Self, failure: onFailure);
    }

    /// <summary>Done: ask the shard to stop this entity (and, with remember-entities, forget it).</summary>
    protected void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));

    private sealed record RetryDue
    {
        public static readonly RetryDue Instance = new();
    }
}
