using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Metrics;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Common;

/// <summary>
/// What every feature's request actor does the same way: persist, apply, report, then run the next step
/// the state asks for; one step in flight at a time (run off the actor thread, its outcome piped back as
/// a message); retries on a timer at the time the journal recorded, so a restart keeps the schedule.
/// Subclasses hold the state record, say what the next step is and how to start each of their own steps;
/// waiting for a retry and finishing are handled here, as is the failure of a step (<see cref="StepFailed"/>).
/// </summary>
/// <typeparam name="TStage">the feature's stages, as its attempt-failed events name them.</typeparam>
public abstract class RequestActor<TStage> : ReceivePersistentActor, IWithTimers where TStage : struct, Enum
{
    private const string RetryTimer = "retry";

    protected RequestActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<IConnectorEvent>(ApplyEvent);
        // One step at a time: a retry that comes due while a step runs (or a second RetryDue) has nothing to start.
        Command<RetryDue>(_ =>
        {
            if (!_busy) Run(CurrentStep());
        });
        // A step that called the management service: the events its outcome writes carry that call's client-request-id.
        Command<StepDone>(done =>
        {
            _clientRequestId = done.ClientRequestId;
            if (!ReceiveCommand(done.Reply)) Unhandled(done.Reply); // dispatched here, in order, not sent again
        });
        Command<StepFailed>(f =>
        {
            ConnectorMetrics.FailedAttempts.Add(1, new("feature", Feature), new("stage", f.Stage.ToString()), new("retryable", f.Reason.Retryable));
            OnStepFailed(f.Stage, f.Reason);
        });
        // Read-only: answers from the state, runs nothing. An ID never seen (recovered with no events) is not kept.
        Command<GetRequestView>(_ =>
        {
            var view = View();
            Sender.Tell(view);
            if (!view.Known && Idle) Passivate();
        });
        Command<HandOffStop>(_ =>
        {
            _stopping = true;
            if (!_busy) Context.Stop(Self);
        });
    }

    public override string PersistenceId { get; }

    /// <summary>The feature's cluster role, as its view names it: the metrics' feature tag.</summary>
    private string Feature => _feature ??= View().Feature;
    private string? _feature;

    protected override void PreStart()
    {
        base.PreStart();
        ConnectorMetrics.ActiveRequestActors.Add(1, new KeyValuePair<string, object?>("feature", Feature));
    }

    protected override void PostStop()
    {
        ConnectorMetrics.ActiveRequestActors.Add(-1, new KeyValuePair<string, object?>("feature", Feature));
        base.PostStop();
    }

    /// <summary>Request actors never save snapshots: starting one asks the journal only, not the snapshot store too.</summary>
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The scheduler's clock: a test scheduler moves it, so retries are testable without sleeping.</summary>
    protected DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>No step running and no retry waiting.</summary>
    protected bool Idle => !_busy && !Timers.IsTimerActive(RetryTimer);

    private bool _busy;
    private bool _stopping; // the shard is handing this entity over: stop once the running step has ended
    private readonly HashSet<IActorRef> _subscribers = [];

    /// <summary>Folds a persisted or replayed event into the state.</summary>
    protected abstract void ApplyEvent(IConnectorEvent e);

    /// <summary>Writes the event IDs for an event just persisted (never on replay).</summary>
    protected abstract void Report(IConnectorEvent e);

    /// <summary>What the state asks for now, a retry wait included.</summary>
    protected abstract RequestStep NextStep();

    /// <summary>The step being worked on, ignoring a retry wait: what a retry runs again.</summary>
    protected abstract RequestStep CurrentStep();

    /// <summary>Starts one of the feature's own steps (never <see cref="RequestStep.WaitUntil"/> or <see cref="RequestStep.Nothing"/>).</summary>
    protected abstract void Start(RequestStep step);

    /// <summary>What <see cref="GetRequestView"/> answers: the state without any secret; Known false before the first event.</summary>
    protected abstract RequestView View();

    /// <summary>The request is finished (its outcome delivered): nothing will ever run again.</summary>
    protected abstract bool IsFinished { get; }

    /// <summary>Called once the state has nothing left to do; the default stops the entity.</summary>
    protected virtual void OnFinished() => Passivate();

    /// <summary>A step failed (its exception classified): decide with the state and persist, or end the step.</summary>
    protected abstract void OnStepFailed(TStage stage, FailureReason reason);

    /// <summary>After one event is persisted, applied and reported.</summary>
    protected virtual void AfterPersisted(IConnectorEvent e) { }

    protected override void OnReplaySuccess() => Resume();

    /// <summary>A step's outcome arrived: persist what it decided (possibly nothing), then go on.</summary>
    protected void PersistThen(IReadOnlyList<IConnectorEvent> events)
    {
        _busy = false;
        if (_deferred.Count > 0)
        {
            events = [.. _deferred, .. events];
            _deferred.Clear();
        }
        if (events.Count == 0)
        {
            Resume();
            return;
        }
        var last = events[^1];
        PersistAll(events, e =>
        {
            var wasFinished = IsFinished;
            if (!_applied.Remove(e)) ApplyEvent(e);
            // Counted when a live event finishes the request (never on replay): each request once, where it finished.
            if (!wasFinished && IsFinished)
                ConnectorMetrics.Requests.Add(1, new("feature", Feature), new("outcome", ConnectorMetrics.Outcome(View().ErrorCode is null)));
            Report(e);
            AfterPersisted(e);
            if (ReferenceEquals(e, last)) Resume();
        });
    }

    /// <summary>
    /// Applies <paramref name="events"/> now and journals them with whatever the next step decides, in one write,
    /// then goes on. Only for what a crash may lose because the requester sends it again (a SCEP retransmission):
    /// it saves a journal round trip on the request's path. Reported when they are persisted.
    /// </summary>
    protected void ApplyThenPersistWithNext(IReadOnlyList<IConnectorEvent> events)
    {
        foreach (var e in events)
        {
            ApplyEvent(e);
            _deferred.Add(e);
            _applied.Add(e);
        }
        Resume();
    }

    private readonly List<IConnectorEvent> _deferred = [];
    private readonly HashSet<IConnectorEvent> _applied = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// A start from the coordinator: remember the sender, to be told when the request is done
    /// (<see cref="TellSubscribers"/>), then persist what the state decided; a start that decides nothing (a
    /// re-download of an idle request) retries it now.
    /// </summary>
    protected void Accept(IReadOnlyList<IConnectorEvent> decided)
    {
        if (!Sender.IsNobody() && !Sender.Equals(Context.System.DeadLetters)) _subscribers.Add(Sender);
        if (decided.Count > 0) PersistThen(decided);
        else Resume();
    }

    /// <summary>Tells everyone who started the request that it is done, once.</summary>
    protected void TellSubscribers(object completed)
    {
        foreach (var s in _subscribers) s.Tell(completed);
        _subscribers.Clear();
    }

    /// <summary>
    /// Persists a failed step's events; none means a final upload error, which is logged and waits, with its result
    /// kept, for the next download of the request to retry it.
    /// </summary>
    protected void PersistFailure(IReadOnlyList<IConnectorEvent> decided, Action reportUploadGivenUp)
    {
        if (decided.Count > 0)
        {
            PersistThen(decided);
            return;
        }
        reportUploadGivenUp();
        StepEnded();
    }

    /// <summary>A step ended with nothing to persist and nothing to run now; the next message may resume it.</summary>
    protected void StepEnded()
    {
        _busy = false;
        if (_stopping) Context.Stop(Self);
    }

    protected void Resume()
    {
        if (_stopping)
        {
            if (!_busy) Context.Stop(Self); // the next holder resumes from the journal
            return;
        }
        if (Idle) Run(NextStep());
    }

    private void Run(RequestStep step)
    {
        switch (step)
        {
            case RequestStep.WaitUntil wait:
                RetryAt(wait.At);
                break;
            case RequestStep.Nothing:
                if (IsFinished) OnFinished();
                break;
            default:
                Start(step);
                break;
        }
    }

    /// <summary>
    /// Waits until <paramref name="at"/>, or runs the step now when that time has passed (a recovery after the retry came
    /// due). Running it at once, not by a message to itself, leaves no moment in which the actor looks idle and a start
    /// from the coordinator could begin the same step a second time (issued twice after a restart, seen under load).
    /// </summary>
    protected void RetryAt(DateTimeOffset at)
    {
        var delay = at - Now;
        if (delay <= TimeSpan.Zero) Run(CurrentStep());
        else Timers.StartSingleTimer(RetryTimer, RetryDue.Instance, delay);
    }

    /// <summary>
    /// Runs a step off the actor thread, cancelled after <paramref name="timeout"/>; its result comes back as a
    /// message, or, if it throws (a time-out included), a <see cref="StepFailed"/> for <paramref name="stage"/>.
    /// Work that cannot observe the token (a key derivation, a synchronous call) is not waited for past the timeout
    /// and a grace: the step fails as a retryable time-out, its late result is dropped, and the actor goes on. The
    /// thread it holds is bounded by the caps on such work (e.g. <c>PfxLimits</c>), not by this. An infinite timeout
    /// is for a step that bounds its own parts and must not be abandoned half-way (the PKCS issue step: its CA call has a
    /// time-out, its key generation a fixed set of key sizes, and a retry after the CA issued would issue twice).
    /// </summary>
    protected void RunStep(TStage stage, TimeSpan timeout, Func<CancellationToken, Task<object>> work)
    {
        _busy = true;
        var cancel = new CancellationTokenSource(timeout);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (feature, stageName) = (Feature, stage.ToString());
        _clientRequestId = null;
        var running = Task.Run(async () =>
        {
            var call = ServiceCallContext.Begin();
            var result = await work(cancel.Token).ConfigureAwait(false);
            return call.ClientRequestId is { } id ? new StepDone(result, id) : result;
        });
        running.ContinueWith(t => ConnectorMetrics.StepDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                new("feature", feature), new("stage", stageName), new("outcome", t.IsCompletedSuccessfully ? "ok" : "failed")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // Disposed when the work ends, not at the deadline: work still running may use the token.
        running.ContinueWith(_ => cancel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        (timeout == Timeout.InfiniteTimeSpan ? running : running.WaitAsync(timeout + Grace(timeout)))
            .PipeTo(Self, failure: ex => new StepFailed(stage, FailureReason.From(ex)));
    }

    /// <summary>Time for work that does observe the token to end with its own error before the step is abandoned.</summary>
    private static TimeSpan Grace(TimeSpan timeout) => timeout < TimeSpan.FromSeconds(5) ? timeout : TimeSpan.FromSeconds(5);

    /// <summary>Done: ask the shard to stop this entity (and, with remember-entities, forget it).</summary>
    protected void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));

    private sealed record RetryDue
    {
        public static readonly RetryDue Instance = new();
    }

    /// <summary>
    /// Writes one of the request's events, with the client-request-id of the service call the last step made, if it made one (an
    /// upload's success carries the ID the service saw).
    /// </summary>
    protected static void WriteEvent(IConnectorEventLog log, string requestId, string? clientRequestId, EventDefinition definition, string message,
        IEnumerable<(string Key, object? Value)> properties)
    {
        var list = properties.ToList();
        log.Write(new ConnectorEvent(definition, message, requestId, list.Count == 0 ? null : list.ToDictionary(p => p.Key, p => p.Value), clientRequestId));
    }

    /// <summary>The client-request-id of the service call the last step made; null when it made none.</summary>
    protected string? ClientRequestId => _clientRequestId;
    private string? _clientRequestId;

    /// <summary>A step that called the management service, with the call's ID; local to the actor, never persisted.</summary>
    private sealed record StepDone(object Reply, string ClientRequestId);

    /// <summary>A step threw; local to the actor (piped to itself), never persisted.</summary>
    private sealed record StepFailed(TStage Stage, FailureReason Reason);
}

/// <summary>
/// The shard's hand-off stop message for request actors (instead of a PoisonPill): the actor stops at once when idle,
/// otherwise when the step it is running has ended and its outcome is journaled. Sent locally only.
/// </summary>
public sealed record HandOffStop
{
    public static readonly HandOffStop Instance = new();
}
